"""Stage 2, rules: the rulebook asset (rule files + county options -> rules.* tables)."""

import dagster as dg

from orchestration.catalog import with_owners
from orchestration.rules.assets import rulebook

defs = dg.Definitions(assets=with_owners([rulebook]))
