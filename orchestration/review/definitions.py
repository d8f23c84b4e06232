"""The prosecutor's review: the audit/review_outcomes asset (marks imported from workbooks)."""

import dagster as dg

from orchestration.catalog import with_owners
from orchestration.review.assets import review_outcomes

defs = dg.Definitions(assets=with_owners([review_outcomes]))
