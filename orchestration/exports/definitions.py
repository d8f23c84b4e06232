"""Stage 5, exports: the run's county files staged, reconciled, then published."""

import dagster as dg

from orchestration.catalog import with_owners
from orchestration.exports.assets import exports_reconciled, published, staged_files

defs = dg.Definitions(
    assets=with_owners([staged_files, published]),
    asset_checks=[exports_reconciled],
)
