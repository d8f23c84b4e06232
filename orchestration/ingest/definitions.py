"""Stage 1, ingest: the extract assets (CA DOJ, canonical, DOJ supervision) and their blocking
checks staged + rejected = input. Merged into the code location by orchestration/definitions.py."""

import dagster as dg

from orchestration.catalog import with_owners
from orchestration.ingest.assets import doj_extracts, staged_plus_rejected_equals_input
from orchestration.ingest.canonical_assets import (
    canonical_extracts,
    canonical_staged_plus_rejected_equals_input,
)
from orchestration.ingest.supervision_assets import (
    doj_supervision,
    supervision_staged_plus_rejected_equals_input,
)

defs = dg.Definitions(
    assets=with_owners([doj_extracts, canonical_extracts, doj_supervision]),
    asset_checks=[
        staged_plus_rejected_equals_input,
        canonical_staged_plus_rejected_equals_input,
        supervision_staged_plus_rejected_equals_input,
    ],
)
