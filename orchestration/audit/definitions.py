"""Stage 6, audit: the decision history per run, and the side tables the other stages write
into the audit schema (catalog.SIDE_TABLES: declared so the lineage shows them)."""

import dagster as dg

from orchestration.audit.assets import decision_history
from orchestration.catalog import SIDE_TABLES, with_owners

defs = dg.Definitions(assets=with_owners([decision_history, *SIDE_TABLES]))
