"""The kinds of clearance file, registered once: KINDS.

Each kind is one class (base.py `FileKind`, one module per kind). The bundle writes every kind
in KINDS (exports/bundle.py build_run_files), the blocking check `exports_reconciled` reads
each back (bundle.reconcile, which also refuses a file no kind claims), audit.export_lines
takes their places and `cleanslate trace` checks each place with its kind. Adding a file kind:
docs/adding-a-file-kind.md.

The order is the order of the reconciliation's problems (and of the writes within a unit).
Consumers read `file_kinds.KINDS` when called, never a copy taken at import.
"""

from orchestration.exports.file_kinds.base import FileKind, RunContext, Written
from orchestration.exports.file_kinds.county_decisions import CountyDecisions
from orchestration.exports.file_kinds.county_summary import CountySummary
from orchestration.exports.file_kinds.court_document import CourtDocument
from orchestration.exports.file_kinds.gogen import GogenBundle
from orchestration.exports.file_kinds.report import Report
from orchestration.exports.file_kinds.repository import RepositoryUpdates
from orchestration.exports.file_kinds.review_workbook import ReviewWorkbook
from orchestration.exports.file_kinds.reviewed_out import ReviewedOut

KINDS: tuple[FileKind, ...] = (
    ReviewedOut(),
    CourtDocument(),
    RepositoryUpdates(),
    ReviewWorkbook(),
    CountyDecisions(),
    CountySummary(),
    GogenBundle(),
    Report(),
)


def registered(kinds: tuple[FileKind, ...] | None = None) -> tuple[FileKind, ...]:
    """`kinds`, else the registry as it is now; checked: names and place kinds unique."""
    found = KINDS if kinds is None else tuple(kinds)
    names = [k.name for k in found]
    places = [p for k in found for p in k.place_kinds]
    if len(set(names)) != len(names) or len(set(places)) != len(places):
        raise ValueError(f"file kinds registered twice: {names}, places {places}")
    return found


def claiming(rel: str, kinds: tuple[FileKind, ...] | None = None) -> list[FileKind]:
    """The kinds that claim the file `rel` (relative to a set's root): exactly one for every
    file the bundle writes but manifest.json."""
    return [k for k in registered(kinds) if k.claims(rel)]


def for_place(place_kind: str, kinds: tuple[FileKind, ...] | None = None) -> FileKind | None:
    """The kind whose files hold places of `place_kind` (audit.export_lines.kind)."""
    return next((k for k in registered(kinds) if place_kind in k.place_kinds), None)


__all__ = ["KINDS", "FileKind", "RunContext", "Written", "claiming", "for_place", "registered"]
