"""Stage 4, quality: the blocking Great Expectations suites and the run gates (asset checks on
the other stages' assets)."""

import dagster as dg

from orchestration.quality.checks import ge_canonical_extract, ge_decision_table, ge_doj_extract
from orchestration.quality.gates import GATES

defs = dg.Definitions(
    asset_checks=[ge_doj_extract, ge_canonical_extract, ge_decision_table, *GATES],
)
