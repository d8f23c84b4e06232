"""The `ops` section of a clearance run's config: what each configurable asset reads.

One home for the config names, used by `cleanslate run` (orchestration/launch/execute.py) and
by the service's sensor and schedule (orchestration/service/deliveries.py), so a run started
either way configures the same assets the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def clearance_ops(
    *,
    doj: Sequence[Path],
    canonical: Sequence[Path],
    as_of: str,
    out_dir: Path,
    options_file: str | None = None,
    county: str | None = None,
    forecast: bool = False,
    supervision: Sequence[Path] | None = None,
    supervision_complete: bool = False,
) -> dict[str, dict]:
    """doj: CA DOJ research-file extracts; canonical: canonical extract folders; as_of: the
    date decided at; options_file: a county's eligibility options; county: one county's files
    only; forecast: a future as_of on purpose (no court documents). supervision: supervision
    files for the DOJ subjects ([] none; None, the asset's default: the landing folder's)."""
    ops: dict[str, dict] = {
        "doj_extracts": {"config": {"extracts": [str(p) for p in doj]}},
        "canonical_extracts": {"config": {"extracts": [str(p) for p in canonical]}},
        "rulebook": {
            "config": {"as_of": as_of, "options_file": options_file, "forecast": forecast}
        },
        "exports__staged_files": {"config": {"out_dir": str(out_dir), "county": county}},
    }
    if supervision is not None:
        ops["doj_supervision"] = {
            "config": {"files": [str(p) for p in supervision], "complete": supervision_complete}
        }
    return ops
