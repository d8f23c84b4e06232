"""The run's summary report (HTML + PDF + chart PNGs), rendered from the warehouse's rpt_* models.

Every figure the report prints is a row, or a sum of rows, of a dbt model in
dbt_project/models/marts/reporting (REPORT_MODELS: contract-enforced, documented column by
column in _rpt_report__models.yml, queryable by analysts): the decisions by county, law, section,
determination and relief (rpt_decision_counts), the people decided, with relief and left with no
conviction or felony (rpt_people, rpt_people_on_record), upcoming eligibility by month
(rpt_upcoming_eligibility), race and gender (rpt_disparity) and the input files
(rpt_input_files). This module reads no decision and no conviction: the counting is SQL, here
only the layout (totals of those rows, percentages, small-cell suppression, ordering). The
decision-set reference it prints is computed by the caller (`publish.decision_set_digest_from`,
streamed from the warehouse).

`build_report_data(rows, run)` lays the rows of one scope (a county's, or every county's:
`scope_rows`) out as plain data (sections -> tables of display strings, chart series, notes, the
appendix), plus the raw numbers under `metrics`. `write_report(out_dir, data)` draws the charts
(matplotlib, Agg canvas, no pyplot state), renders `report.html` (Jinja2, autoescaped) and
`report.pdf` (fpdf2, US Letter, drawn directly, not converted from HTML). Both renderers walk the
same `sections` list, so the HTML and the PDF cannot disagree. No wall clock, no warehouse, no
Dagster: the same rows give the same bytes. The report names no run id and no generation time
(manifest.json records those); its reference is the digest of the decision set it counts.

Layout: the results first (decisions, people, upcoming eligibility, disparities, charts), then
the run and its inputs, the notes and definitions, and last an appendix listing the run's
data-quality checks.

Only counts leave this module: never names, ids, dates of birth or any per-person row.

Definitions (the rpt_ models compute them; repeated in the report's notes, see `DEFINITIONS`):

* A *decision* is one row of the decision table: one charge under one program (law).
* *Relief* (a person "with relief"): at least one decision with determination `eligible` and a
  non-null `relief`. `not_yet_eligible` decisions carry the relief they will get, but it is not
  counted as relief until the date has passed (they are reported as upcoming eligibility).
* A conviction is *removed from the record* when at least one decision on it (same
  `charge_key`) is `eligible` with relief in `REMOVING_RELIEF` (dismiss, conviction_relief,
  expunge, limited_access, set_aside). `reduce` and `recall_resentence` leave a conviction on the
  record; `arrest_relief` applies to arrests, not convictions.
* A person *no longer has a conviction on record* when they have at least one conviction on
  record (exp_convictions, any county) and every one of their convictions is removed from the
  record by the decisions of the report's scope. Per program: by that program's decisions
  alone; overall ("Any program"): by the decisions of any program.
* A felony conviction is *cleared* when at least one decision on it is `eligible` with relief in
  `FELONY_CLEARING_RELIEF` (the removing reliefs plus `reduce`; `recall_resentence` is not
  counted because resentencing need not change the level).
* A person *no longer has a felony* when they have at least one conviction with
  `is_felony = true` and every conviction that is a felony *or whose level is unknown*
  (`is_felony` null) is cleared. Unknown levels are treated as possible felonies, so the count
  never overstates.
* *Upcoming eligibility*: `not_yet_eligible` decisions by the calendar month of `eligible_on`,
  for the 24 months starting with the month of `as_of`; later dates, earlier dates and missing
  dates are counted in their own rows.
* *Disparity*: a person's race and gender come from their decision rows (if rows disagree: the
  most frequent non-blank value, ties alphabetical); null or blank is "Not recorded". Relief
  rate = people with relief / people with decisions in the group; share of relief = the group's
  people with relief / all people with relief; share of decided = the group's people with
  decisions / all people with decisions. Small cells: a group of fewer than 10 people is shown as
  "<10" and its rate and shares are withheld; a count of people with relief between 1 and 9 is
  shown as "<10" and the rate and share of relief are withheld.
* *Scope*: a run of every county counts each person once however many counties their
  decisions are in (the models' all-counties rows); a `--county` run counts that county's
  decisions only (its rows).
"""

from __future__ import annotations

import hashlib
import io
import os
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from orchestration.lib.pdf import FONT_DIR, fix_creation_date, use_fonts

DETERMINATIONS = ("eligible", "not_yet_eligible", "needs_review", "not_eligible")
DETERMINATION_LABELS = {
    "eligible": "Eligible",
    "not_yet_eligible": "Not yet eligible",
    "needs_review": "Needs review",
    "not_eligible": "Not eligible",
}
# Relief that takes a conviction off the record (see module docstring; rpt_people.sql counts
# with the same list: tests/unit/test_exports_report.py).
REMOVING_RELIEF = frozenset(
    {"dismiss", "conviction_relief", "expunge", "limited_access", "set_aside"}
)
# Relief after which a felony conviction is no longer a felony (removed, or reduced).
FELONY_CLEARING_RELIEF = REMOVING_RELIEF | {"reduce"}
SUPPRESS_BELOW = 10
SUPPRESSED = "<10"
WITHHELD = "–"
NOT_RECORDED = "Not recorded"
NO_COUNTY = "Not recorded"
NO_SECTION = "(not parsed)"
UPCOMING_MONTHS = 24  # rpt_upcoming_eligibility.sql's window
TOP_SECTIONS = 25
ALL_PROGRAMS = "All programs"
ANY_PROGRAM = "Any program"

HTML_FILE = "report.html"
PDF_FILE = "report.pdf"
CHARTS_DIR = "charts"
TEMPLATES_DIR = Path(__file__).parent / "templates"
TEMPLATE = "report.html.j2"
PDF_FORMAT = "Letter"  # US Letter (8.5 x 11 in): the courts and agencies the report goes to

# The models the report is rendered from (dbt_project/models/marts/reporting), with the columns
# it reads. Where people are counted a model holds each county's rows and the all-counties rows
# (county NULL: each person once); rpt_decision_counts is per county only (its rows add up);
# rpt_people_on_record and rpt_input_files are the same for every scope.
REPORT_MODELS: dict[str, tuple[str, ...]] = {
    "rpt_decision_counts": (
        "county",
        "program",
        "jurisdiction",
        "section",
        "determination",
        "relief",
        "decisions",
    ),
    "rpt_people": (
        "county",
        "program",
        "decisions",
        "charges",
        "people",
        "people_with_relief",
        "people_no_conviction_left",
        "people_no_felony_left",
    ),
    "rpt_people_on_record": ("people_with_conviction", "people_with_felony"),
    "rpt_upcoming_eligibility": ("county", "program", "period", "month", "decisions", "people"),
    "rpt_disparity": (
        "county",
        "program",
        "dimension",
        "group_label",
        "people",
        "people_with_relief",
    ),
    "rpt_input_files": (
        "source_system",
        "file",
        "sha256",
        "records",
        "rejected",
        "unread_offense_texts",
    ),
}
SUMMED_BY_COUNTY = frozenset({"rpt_decision_counts"})
SAME_FOR_EVERY_SCOPE = frozenset({"rpt_people_on_record", "rpt_input_files"})

DEFINITIONS: tuple[tuple[str, str], ...] = (
    ("Decision", "One row of the decision table: one charge under one program (law)."),
    (
        "Person with relief",
        "A person with at least one decision that is eligible now and names a relief. "
        "Not-yet-eligible decisions are not counted as relief; they appear under upcoming "
        "eligibility.",
    ),
    (
        "Conviction removed from the record",
        "A conviction with at least one eligible decision whose relief is dismiss, "
        "conviction_relief, expunge, limited_access or set_aside. Reduce and recall_resentence "
        "leave the conviction on the record; arrest_relief applies to arrests only.",
    ),
    (
        "No longer has a conviction on record",
        "A person with at least one conviction on record, every one of which is removed from "
        "the record: per program by that program's decisions alone; 'Any program' by the "
        "decisions of any program together.",
    ),
    (
        "No longer has a felony",
        "A person with at least one felony conviction, every felony conviction of whom (and "
        "every conviction whose level is not recorded, treated as a possible felony) has an "
        "eligible decision with a removing relief or reduce. Per program and 'Any program' as "
        "above.",
    ),
    (
        "Upcoming eligibility",
        "Not-yet-eligible decisions counted by the calendar month of their eligibility date, for "
        "the 24 months starting with the month of the as-of date. Decisions with a later date, an "
        "earlier date, or no date are counted in separate rows. 'People' counts distinct people "
        "with at least one such decision in the month (any program).",
    ),
    (
        "Race and gender",
        "As recorded in the source records; a person's value is the most frequent non-blank "
        "value on their rows (ties alphabetical). Blank or missing values are shown as "
        "'Not recorded'.",
    ),
    (
        "Relief rate and shares",
        "Relief rate = people with relief / people with decisions, within the group. Share of "
        "relief = the group's people with relief / all people with relief. Share of decided = "
        "the group's people with decisions / all people with decisions. A group whose share of "
        "relief is below its share of decided received relief less often than average.",
    ),
    (
        "Small-cell suppression",
        "Groups of fewer than 10 people are shown as '<10' and their rate and shares are "
        "withheld ('–'). A count of people with relief from 1 to 9 is shown as '<10' and the rate "
        "and share of relief are withheld. Totals are not adjusted, so a single suppressed group "
        "can be derived from the totals: review before any public release.",
    ),
    (
        "Personal data",
        "The report holds counts only: no names, identifiers or dates of birth.",
    ),
)


# --------------------------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------------------------


def scope_rows(rows: Mapping[str, pl.DataFrame], county: str | None) -> dict[str, pl.DataFrame]:
    """Each model's rows of one report: a county's (`county`, normalized as the models' county
    column: writers.normalize_county), or every county's (None): rpt_decision_counts' rows of
    every county (they add up), the all-counties rows (county NULL) of the models that count
    people, and rpt_people_on_record / rpt_input_files whole."""
    out = {}
    for name, frame in rows.items():
        if name in SAME_FOR_EVERY_SCOPE:
            out[name] = frame
        elif county is not None:
            out[name] = frame.filter(pl.col("county") == county)
        elif name in SUMMED_BY_COUNTY:
            out[name] = frame
        else:
            out[name] = frame.filter(pl.col("county").is_null())
    return out


def _require(df: pl.DataFrame, columns: Iterable[str], name: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{name} lacks column(s): {', '.join(missing)}")


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _add_months(d: date, n: int) -> date:
    """First day of the month n months after d's month."""
    m = d.year * 12 + (d.month - 1) + n
    return date(m // 12, m % 12 + 1, 1)


def _month_key(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def _int(n: int) -> str:
    return f"{n:,}"


def _pct(x: float | None) -> str:
    return WITHHELD if x is None else f"{100 * x:.1f}%"


def _count_matrix(
    counts: pl.DataFrame, keys: Sequence[str], col: str, values: Sequence[str]
) -> dict[tuple, dict[str, int]]:
    """{key tuple: {value: count}} with every value present (0 when none), keys sorted, summed
    from decision counts (rpt_decision_counts' rows)."""
    out: dict[tuple, dict[str, int]] = {}
    if counts.height == 0:
        return out
    g = (
        counts.group_by([*keys, col])
        .agg(pl.col("decisions").sum().alias("n"))
        .sort([*keys, col], nulls_last=True)
    )
    for row in g.iter_rows(named=True):
        k = tuple(row[x] for x in keys)
        out.setdefault(k, dict.fromkeys(values, 0))
        out[k][row[col]] = out[k].get(row[col], 0) + row["n"]
    return dict(sorted(out.items()))


_PEOPLE_ZERO = {
    "decisions": 0,
    "charges": 0,
    "people": 0,
    "people_with_relief": 0,
    "people_no_conviction_left": 0,
    "people_no_felony_left": 0,
}


def _people_row(people: pl.DataFrame, program: str | None) -> dict[str, int]:
    """rpt_people's row of a program (None: every program together); zeros when none."""
    hit = people.filter(
        pl.col("program").is_null() if program is None else pl.col("program") == program
    )
    if hit.height == 0:
        return dict(_PEOPLE_ZERO)
    if hit.height > 1:
        raise ValueError(f"rpt_people: {hit.height} rows for program {program!r} in one scope")
    row = hit.row(0, named=True)
    return {k: int(row[k] or 0) for k in _PEOPLE_ZERO}


def _disparity(rows: pl.DataFrame, dimension: str, program: str | None) -> list[dict[str, Any]]:
    """One table's groups (rpt_disparity's rows of a dimension and program), with their rates,
    shares and small-cell flags."""
    sub = rows.filter(
        (pl.col("dimension") == dimension)
        & (pl.col("program").is_null() if program is None else pl.col("program") == program)
    )
    groups = [
        (str(g), int(n), int(r))
        for g, n, r in sub.select("group_label", "people", "people_with_relief").iter_rows()
    ]
    total = sum(n for _, n, _ in groups)
    total_relief = sum(r for _, _, r in groups)
    out = [
        {
            "group": g,
            "people": n,
            "with_relief": r,
            "relief_rate": r / n if n else None,
            "share_of_relief": r / total_relief if total_relief else None,
            "share_of_decided": n / total if total else None,
            "suppressed": n < SUPPRESS_BELOW,
            "relief_suppressed": n < SUPPRESS_BELOW or 0 < r < SUPPRESS_BELOW,
        }
        for g, n, r in groups
    ]
    # Largest groups first; "Not recorded" last; ties by name.
    out.sort(key=lambda x: (x["group"] == NOT_RECORDED, -x["people"], x["group"]))
    return out


def _disparity_table(title: str, label: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    out = []
    for r in rows:
        if r["suppressed"]:
            out.append([r["group"], SUPPRESSED, SUPPRESSED, WITHHELD, WITHHELD, WITHHELD])
            continue
        hide = r["relief_suppressed"]
        out.append(
            [
                r["group"],
                _int(r["people"]),
                SUPPRESSED if hide else _int(r["with_relief"]),
                WITHHELD if hide else _pct(r["relief_rate"]),
                WITHHELD if hide else _pct(r["share_of_relief"]),
                _pct(r["share_of_decided"]),
            ]
        )
    n = sum(r["people"] for r in rows)
    nr = sum(r["with_relief"] for r in rows)
    out.append(
        [
            "All people",
            _int(n),
            _int(nr),
            _pct(nr / n if n else None),
            _pct(1.0 if nr else None),
            _pct(1.0 if n else None),
        ]
    )
    return _table(
        title,
        [
            label,
            "People with decisions",
            "People with relief",
            "Relief rate",
            "Share of relief",
            "Share of decided",
        ],
        out,
        align="lrrrrr",
        total_row=True,
    )


def _table(
    title: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    align: str,
    total_row: bool = False,
    note: str | None = None,
    widths: Sequence[float] | None = None,
) -> dict[str, Any]:
    assert len(align) == len(columns), title
    return {
        "title": title,
        "columns": list(columns),
        "align": ["right" if a == "r" else "left" for a in align],
        "rows": [[str(c) for c in row] for row in rows],
        "total_row": total_row and bool(rows),
        "note": note,
        "widths": list(widths) if widths else None,
    }


def law_labels(
    programs: Iterable[str], titles: Mapping[str, Any] | None
) -> dict[str, dict[str, str]]:
    """{program id: {"title", "short"}}: what a person reads for each law, never its id.

    title: the rulebook's title (exp_programs.title), else the id. short: the part of the title
    before the first colon ("California Prop 64"), else the whole title; where two laws' short
    labels would be the same, both show their titles. Two laws with one title (a rulebook
    error) are told apart by a number ("... [2]") in id order, so every label stays distinct.
    """
    titles = titles or {}
    ids = sorted(set(programs))
    full = {p: (str(titles.get(p) or "").strip() or p) for p in ids}
    short = {}
    for p in ids:
        head = full[p].split(":", 1)[0].strip()
        short[p] = head or full[p]
    by_short: dict[str, list[str]] = {}
    for p in ids:
        by_short.setdefault(short[p], []).append(p)
    for same in by_short.values():
        if len(same) > 1:
            for p in same:
                short[p] = full[p]
    for labels in (full, short):
        seen: dict[str, list[str]] = {}
        for p in ids:
            seen.setdefault(labels[p], []).append(p)
        for label, same in seen.items():
            for k, p in enumerate(same[1:], start=2):
                labels[p] = f"{label} [{k}]"
    return {p: {"title": full[p], "short": short[p]} for p in ids}


FORECAST_NOTE = (
    "FORECAST: these are decisions as of {as_of}, a date after the day of the run, asked for "
    "explicitly (--forecast). They project what the rules would decide on that date if the "
    "records did not change; no court documents and no repository updates were written, as "
    "neither a court nor the repository can act on a future date."
)


def build_report_data(rows: Mapping[str, pl.DataFrame], run: dict[str, Any]) -> dict[str, Any]:
    """Every figure of the report, laid out as sections of tables (display strings) and charts,
    from the rpt_* models' rows of one scope (`scope_rows`; every model of REPORT_MODELS).

    `run`: as_of, decision_set (the reference printed: publish.decision_set_digest_from's first
    REFERENCE_LENGTH characters), git_revision, git_dirty, forecast, rules_versions, quality
    (the run's checks: check, passed, description), program_titles ({program id: the
    rulebook's title}). A person reads each law by its title, or by its short label where
    space is short (`law_labels`); the program ids appear once, in the "Laws" table of the run
    section, beside the titles and rule versions. Returns {"meta", "sections", "charts",
    "notes", "appendix", "metrics"}: `sections` then `notes` then `appendix` is what both
    renderers draw; `metrics` holds the raw numbers (ints and unrounded floats, unsuppressed:
    for checks, not for publication). See the module docstring for the definitions.
    """
    for name, columns in REPORT_MODELS.items():
        if name not in rows:
            raise ValueError(f"the report needs the rows of {name}")
        _require(rows[name], columns, name)
    as_of = _as_date(run["as_of"])
    counts = rows["rpt_decision_counts"].select(REPORT_MODELS["rpt_decision_counts"])
    people_rows = rows["rpt_people"]
    programs = sorted(set(counts["program"].drop_nulls().to_list()))
    det_cols = [DETERMINATION_LABELS[x] for x in DETERMINATIONS]

    # ---- the run ------------------------------------------------------------------------
    revision = str(run.get("git_revision") or "unknown")
    if run.get("git_dirty"):
        revision += " (with uncommitted changes)"
    forecast = bool(run.get("forecast"))
    meta = {
        "title": "Clean Slate Warehouse: run report" + (" (FORECAST)" if forecast else ""),
        "as_of": as_of.isoformat(),
        "decision_set": str(run["decision_set"]),
        "git_revision": revision,
        "forecast": forecast,
    }
    run_table = _table(
        "Run",
        ["Item", "Value"],
        [
            ["As of", meta["as_of"]],
            *([["Forecast", "yes: no court documents written"]] if forecast else []),
            ["Decision set", meta["decision_set"]],
            ["Code revision", revision],
        ],
        align="ll",
        widths=[1, 3],
        note="Decision set: the first characters of the SHA-256 of the decisions counted here "
        "(the same decisions give the same reference). The run id and the time the files were "
        "written are recorded in manifest.json.",
    )
    versions = dict(sorted((run.get("rules_versions") or {}).items()))
    laws = law_labels([*programs, *versions], run.get("program_titles"))

    def title_of(program: Any) -> str:
        return laws[program]["title"] if program in laws else str(program)

    def short_of(program: Any) -> str:
        return laws[program]["short"] if program in laws else str(program)

    laws_table = _table(
        "Laws: titles, short labels, program ids and rule versions",
        ["Short label", "Title", "Program id", "Rules version"],
        [
            [x["short"], x["title"], p, str(versions[p]) if p in versions else WITHHELD]
            for p, x in laws.items()
        ],
        align="llll",
        widths=[1.3, 3, 1.4, 1.8],
        note="The report names each law by its title, or by its short label where space is "
        "short (column headings, charts). The program id and rules version identify the rule "
        "file the decisions were made under (as in manifest.json).",
    )
    inputs = sorted(rows["rpt_input_files"].to_dicts(), key=lambda i: str(i.get("file") or ""))
    inputs_table = _table(
        "Inputs",
        ["File", "SHA-256 (first 12)", "Rows", "Rejected", "Unread offense texts"],
        [
            [
                str(i.get("file") or ""),
                (str(i.get("sha256") or "")[:12] + "…") if i.get("sha256") else WITHHELD,
                _int(int(i["records"])) if i.get("records") is not None else WITHHELD,
                _int(int(i["rejected"])) if i.get("rejected") is not None else WITHHELD,
                _int(int(i["unread_offense_texts"]))
                if i.get("unread_offense_texts") is not None
                else "",
            ]
            for i in inputs
        ],
        align="llrrr",
        widths=[3, 1.6, 1, 1, 1.2],
        note="Unread offense texts: conviction records whose offense text reads to no statute"
        " (needs review; listed in the warehouse table rpt_charge_codes_unparsed). Above the"
        " run's limit (default 5%) the run stops.",
    )
    quality = list(run.get("quality") or [])
    quality_table = _table(
        "Data-quality checks",
        ["Check", "Result", "Description"],
        [
            [
                str(q.get("check", "")),
                "pass" if q.get("passed") else "FAIL",
                str(q.get("description") or ""),
            ]
            for q in quality
        ],
        align="lll",
        widths=[1.6, 0.6, 3.4],
        note=f"{sum(1 for q in quality if q.get('passed'))} of {len(quality)} checks passed.",
    )

    # ---- 1. Decisions -------------------------------------------------------------------
    any_program = _people_row(people_rows, None)
    by_prog_det = _count_matrix(counts, ["program"], "determination", DETERMINATIONS)
    table_rows = []
    for (p,), c in by_prog_det.items():
        table_rows.append(
            [title_of(p), *(_int(c.get(x, 0)) for x in DETERMINATIONS), _int(sum(c.values()))]
        )
    totals = {x: sum(c.get(x, 0) for c in by_prog_det.values()) for x in DETERMINATIONS}
    n_decisions = sum(totals.values())
    table_rows.append([ALL_PROGRAMS, *(_int(totals[x]) for x in DETERMINATIONS), _int(n_decisions)])
    prog_det_table = _table(
        "Decisions by program and determination",
        ["Program", *det_cols, "Total"],
        table_rows,
        align="lrrrrr",
        total_row=True,
        widths=[3, 1, 1, 1, 1, 1],
    )

    with_relief = counts.filter(pl.col("relief").is_not_null())
    by_prog_relief = _count_matrix(
        with_relief, ["program", "relief"], "determination", DETERMINATIONS
    )
    prog_relief_table = _table(
        "Decisions by program and relief",
        ["Program", "Relief", "Eligible now", "Not yet eligible", "Total"],
        [
            [
                short_of(p),
                r,
                _int(c["eligible"]),
                _int(c["not_yet_eligible"]),
                _int(sum(c.values())),
            ]
            for (p, r), c in by_prog_relief.items()
        ],
        align="llrrr",
        widths=[2.2, 1.6, 1, 1, 1],
        note="Decisions that name a relief; not-eligible and needs-review decisions name none.",
    )

    by_county = _count_matrix(counts, ["county", "program"], "determination", DETERMINATIONS)
    county_rows = sorted(by_county.items(), key=lambda kv: (kv[0][0] == NO_COUNTY, kv[0]))
    county_table = _table(
        "Decisions by county, program and determination",
        ["County", "Program", *det_cols, "Total"],
        [
            [k, short_of(p), *(_int(c.get(x, 0)) for x in DETERMINATIONS), _int(sum(c.values()))]
            for (k, p), c in county_rows
        ],
        align="llrrrrr",
        widths=[1.6, 2, 1, 1, 1, 1, 1],
    )

    section_counts = (
        counts.group_by(["jurisdiction", "section"])
        .agg(pl.col("decisions").sum().alias("n"))
        .sort(["n", "jurisdiction", "section"], descending=[True, False, False])
        .head(TOP_SECTIONS)
    )
    top = [(r["jurisdiction"], r["section"]) for r in section_counts.iter_rows(named=True)]
    by_section_all = _count_matrix(
        counts, ["jurisdiction", "section"], "determination", DETERMINATIONS
    )
    by_section = {k: by_section_all[k] for k in top}
    n_sections = len(by_section_all)
    section_table = _table(
        f"Top {min(TOP_SECTIONS, n_sections)} code sections by decisions, by determination",
        ["Jurisdiction", "Section", *det_cols, "Total"],
        [
            [j, s, *(_int(c.get(x, 0)) for x in DETERMINATIONS), _int(sum(c.values()))]
            for (j, s), c in by_section.items()
        ],
        align="llrrrrr",
        widths=[1.2, 1.6, 1, 1, 1, 1, 1],
        note=f"{n_sections} distinct sections in all; ranked by number of decisions (ties by "
        "name). Sections are compared within a jurisdiction.",
    )

    # ---- 2. People ----------------------------------------------------------------------
    def people_metric(label: str, program: str | None) -> dict[str, Any]:
        r = _people_row(people_rows, program)
        return {
            "label": label,
            "people": r["people"],
            "with_relief": r["people_with_relief"],
            "no_conviction": r["people_no_conviction_left"],
            "no_felony": r["people_no_felony_left"],
        }

    people_metrics = {p: people_metric(title_of(p), p) for p in programs}
    people_metrics[ANY_PROGRAM] = people_metric(ANY_PROGRAM, None)
    on_record = rows["rpt_people_on_record"]
    with_conviction = int(on_record["people_with_conviction"].sum() or 0)
    with_felony = int(on_record["people_with_felony"].sum() or 0)
    people_table = _table(
        "People by program",
        [
            "Program",
            "People with decisions",
            "People with relief",
            "No longer have a conviction on record",
            "No longer have a felony",
        ],
        [
            [
                m["label"],
                _int(m["people"]),
                _int(m["with_relief"]),
                _int(m["no_conviction"]),
                _int(m["no_felony"]),
            ]
            for m in people_metrics.values()
        ],
        align="lrrrr",
        total_row=True,
        widths=[3, 1, 1, 1.3, 1.3],
        note=f"Of {_int(with_conviction)} people with at least one conviction on record, "
        f"{_int(with_felony)} have at least one felony conviction. 'Any program' counts each "
        "person once, with the relief of every program together.",
    )

    # ---- 3. Upcoming eligibility --------------------------------------------------------
    months = [_month_key(_add_months(as_of, i)) for i in range(UPCOMING_MONTHS)]
    later, earlier, undated = (
        f"After {months[-1]}",
        f"Before {months[0]}",
        "No date known",
    )
    bucket_of = {"after": later, "before": earlier, "undated": undated}
    upcoming = {p: dict.fromkeys([*months, later, earlier, undated], 0) for p in programs}
    upcoming_people = dict.fromkeys([*months, later, earlier, undated], 0)
    nye_total = {"decisions": 0, "people": 0}
    for r in rows["rpt_upcoming_eligibility"].iter_rows(named=True):
        if r["period"] == "all":
            if r["program"] is None:
                nye_total = {"decisions": int(r["decisions"]), "people": int(r["people"])}
            continue
        bucket = r["month"] if r["period"] == "month" else bucket_of[r["period"]]
        if r["program"] is None:
            upcoming_people[bucket] = int(r["people"])
        else:
            upcoming.setdefault(r["program"], dict.fromkeys(upcoming_people, 0))
            upcoming[r["program"]][bucket] = int(r["decisions"])
    buckets = [*months, later] + [b for b in (earlier, undated) if upcoming_people[b]]
    upcoming_rows = [
        [
            b,
            *(_int(upcoming[p][b]) for p in programs),
            _int(sum(upcoming[p][b] for p in programs)),
            _int(upcoming_people[b]),
        ]
        for b in buckets
    ]
    upcoming_rows.append(
        [
            "All dates",
            *(_int(sum(upcoming[p].values())) for p in programs),
            _int(nye_total["decisions"]),
            _int(nye_total["people"]),
        ]
    )
    upcoming_table = _table(
        f"Not-yet-eligible decisions by month of eligibility ({months[0]} to {months[-1]})",
        ["Month", *(short_of(p) for p in programs), "All programs", "People"],
        upcoming_rows,
        align="l" + "r" * (len(programs) + 2),
        total_row=True,
        widths=[1.1, *([1.5] * len(programs)), 1.1, 0.8],
        note="Counts are decisions (charges) per program; 'People' is distinct people with at "
        "least one such decision in the month, any program (a person can appear in several "
        "months).",
    )

    # ---- 4. Disparity -------------------------------------------------------------------
    disparity_rows = rows["rpt_disparity"]
    # keyed by program id (metrics); headed by the law's title
    scopes: list[tuple[str, str | None]] = [(ALL_PROGRAMS, None)] + [(p, p) for p in programs]
    disparity = {
        dim: {name: _disparity(disparity_rows, dim, prog) for name, prog in scopes}
        for dim in ("race", "gender")
    }
    disparity_tables = []
    for name, prog in scopes:
        heading = ALL_PROGRAMS if prog is None else title_of(prog)
        disparity_tables.append(
            _disparity_table(f"By race: {heading}", "Race", disparity["race"][name])
        )
        disparity_tables.append(
            _disparity_table(f"By gender: {heading}", "Gender", disparity["gender"][name])
        )

    # ---- 6. Charts ----------------------------------------------------------------------
    charts = [
        {
            "id": "determinations_by_program",
            "file": f"{CHARTS_DIR}/determinations_by_program.png",
            "title": "Decisions by program and determination",
            "kind": "stacked_bar",
            "categories": [short_of(p) for (p,) in by_prog_det],
            "series": [
                {
                    "label": DETERMINATION_LABELS[x],
                    "key": x,
                    "values": [c.get(x, 0) for c in by_prog_det.values()],
                }
                for x in DETERMINATIONS
            ],
            "ylabel": "Decisions",
        },
        {
            "id": "upcoming_by_month",
            "file": f"{CHARTS_DIR}/upcoming_by_month.png",
            "title": f"Not-yet-eligible decisions by month of eligibility ({months[0]} to "
            f"{months[-1]})",
            "kind": "stacked_bar",
            "categories": months,
            "series": [
                {"label": short_of(p), "key": p, "values": [upcoming[p][m] for m in months]}
                for p in programs
            ],
            "ylabel": "Decisions",
        },
        {
            "id": "relief_rate_by_race",
            "file": f"{CHARTS_DIR}/relief_rate_by_race.png",
            "title": "Relief rate by race (all programs)",
            "kind": "hbar_rate",
            "categories": [
                r["group"] for r in disparity["race"][ALL_PROGRAMS] if not r["relief_suppressed"]
            ],
            "values": [
                r["relief_rate"]
                for r in disparity["race"][ALL_PROGRAMS]
                if not r["relief_suppressed"]
            ],
            "overall": (
                people_metrics[ANY_PROGRAM]["with_relief"] / people_metrics[ANY_PROGRAM]["people"]
                if people_metrics[ANY_PROGRAM]["people"]
                else None
            ),
            "footnote": (
                "Not shown (fewer than 10 people, or 1-9 with relief): "
                + ", ".join(
                    r["group"] for r in disparity["race"][ALL_PROGRAMS] if r["relief_suppressed"]
                )
            )
            if any(r["relief_suppressed"] for r in disparity["race"][ALL_PROGRAMS])
            else "",
        },
    ]

    # results first; the run and its inputs after them; the checks in the final appendix
    sections = [
        {
            "id": "decisions",
            "title": "1. Decisions",
            "paragraphs": [
                *([FORECAST_NOTE.format(as_of=meta["as_of"])] if forecast else []),
                f"{_int(any_program['decisions'])} decisions on {_int(any_program['charges'])} "
                f"charges of {_int(any_program['people'])} people, under {len(programs)} "
                "program(s).",
            ],
            "tables": [prog_det_table, prog_relief_table, county_table, section_table],
            "charts": [],
        },
        {
            "id": "people",
            "title": "2. People",
            "paragraphs": [],
            "tables": [people_table],
            "charts": [],
        },
        {
            "id": "upcoming",
            "title": "3. Upcoming eligibility",
            "paragraphs": [],
            "tables": [upcoming_table],
            "charts": [],
        },
        {
            "id": "disparity",
            "title": "4. Disparities by race and gender",
            "paragraphs": [
                "As in Code for America's county reports: for each group, the people with "
                "decisions and with relief, the relief rate, and the group's share of everyone "
                "with relief against its share of everyone decided. Groups of fewer than 10 "
                f"people are shown as '{SUPPRESSED}' (small-cell suppression); '{WITHHELD}' "
                "marks a withheld value."
            ],
            "tables": disparity_tables,
            "charts": [],
        },
        {
            "id": "charts",
            "title": "5. Charts",
            "paragraphs": [],
            "tables": [],
            "charts": [
                {"file": c["file"], "title": c["title"], "footnote": c.get("footnote", "")}
                for c in charts
            ],
        },
        {
            "id": "run",
            "title": "6. Run and inputs",
            "paragraphs": [],
            "tables": [run_table, laws_table, inputs_table],
            "charts": [],
        },
    ]
    appendix = [
        {
            "id": "checks",
            "title": "Appendix: data-quality checks",
            "paragraphs": [
                "The checks of this run's inputs and decisions (Dagster asset checks: quality "
                "gates, Great Expectations suites and dbt tests). A failing gate stops the run "
                "before any file is written."
            ],
            "tables": [quality_table],
            "charts": [],
        }
    ]

    metrics = {
        "decisions": n_decisions,
        "charges": any_program["charges"],
        "by_program_determination": {p: c for (p,), c in by_prog_det.items()},
        "by_program_relief": {f"{p}|{r}": c for (p, r), c in by_prog_relief.items()},
        "by_county_program_determination": {f"{k}|{p}": c for (k, p), c in by_county.items()},
        "by_section_determination": {f"{j}|{s}": c for (j, s), c in by_section.items()},
        "people": people_metrics,
        "people_with_conviction": with_conviction,
        "people_with_felony": with_felony,
        "upcoming_months": months,
        "upcoming": upcoming,
        "upcoming_people": upcoming_people,
        "disparity": disparity,
    }
    return {
        "meta": meta,
        "sections": sections,
        "charts": charts,
        "notes": [{"term": t, "definition": x} for t, x in DEFINITIONS],
        "appendix": appendix,
        "metrics": metrics,
    }


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------

_COLORS = {
    "eligible": "#2e7d32",
    "not_yet_eligible": "#9ccc65",
    "needs_review": "#f9a825",
    "not_eligible": "#9e9e9e",
}
_PALETTE = ("#1565c0", "#ef6c00", "#6a1b9a", "#00838f", "#c62828", "#558b2f", "#4e342e")


def _write_bytes(path: Path, content: bytes) -> None:
    """Write to a temporary name and rename: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _chart_png(chart: dict[str, Any]) -> bytes:
    """Draw one chart on a private Agg canvas (no pyplot, no global backend switch)."""
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rc = {
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "axes.titlesize": 11,
        "figure.dpi": 100,
        "savefig.dpi": 100,
        "path.simplify": True,
    }
    with mpl.rc_context(rc):
        fig = Figure(figsize=(9, 4.5), dpi=100)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(1, 1, 1)
        ax.set_title(chart["title"])
        cats = chart["categories"]
        if chart["kind"] == "stacked_bar":
            x = list(range(len(cats)))
            bottom = [0] * len(cats)
            for i, s in enumerate(chart["series"]):
                color = _COLORS.get(s["key"], _PALETTE[i % len(_PALETTE)])
                ax.bar(x, s["values"], bottom=bottom, label=s["label"], color=color, width=0.7)
                bottom = [b + v for b, v in zip(bottom, s["values"], strict=True)]
            ax.set_xticks(x)
            rotate = len(cats) > 6
            if not rotate:  # a law's short label ("Pennsylvania Clean Slate limited access")
                cats = ["\n".join(textwrap.wrap(str(c), 18)) or str(c) for c in cats]
            ax.set_xticklabels(
                cats, rotation=60 if rotate else 0, ha="right" if rotate else "center"
            )
            ax.set_ylabel(chart["ylabel"])
            if chart["series"]:
                ax.legend(loc="upper right", fontsize=8, frameon=False)
        else:  # hbar_rate
            y = list(range(len(cats)))
            ax.barh(y, [100 * v for v in chart["values"]], color=_PALETTE[0], height=0.6)
            ax.set_yticks(y)
            ax.set_yticklabels(cats)
            ax.set_xlabel("People with relief / people with decisions (%)")
            ax.set_xlim(0, 100)
            for yi, v in zip(y, chart["values"], strict=True):
                inside = v >= 0.15  # the label inside the bar's end, clear of the average line
                ax.text(
                    100 * v + (-1 if inside else 1),
                    yi,
                    f"{100 * v:.1f}%",
                    va="center",
                    ha="right" if inside else "left",
                    fontsize=8,
                    color="white" if inside else "#212121",
                )
            ax.set_ylim(len(cats) - 0.5, -1.2)  # inverted, with room above the first bar
            if chart.get("overall") is not None:
                ax.axvline(100 * chart["overall"], color="#424242", linestyle="--", linewidth=1)
                ax.text(
                    100 * chart["overall"],
                    -0.85,
                    f"All people: {100 * chart['overall']:.1f}%",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="#424242",
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
                )
            if chart.get("footnote"):
                fig.text(0.01, 0.01, chart["footnote"], fontsize=7, color="#616161")
        if not cats:
            ax.text(0.5, 0.5, "No data", transform=ax.transAxes, ha="center", va="center")
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    return buf.getvalue()


def render_html(data: dict[str, Any]) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["breakable"] = _breakable
    return env.get_template(TEMPLATE).render(**data)


def _breakable(value: Any) -> Any:
    """Escaped text that may wrap after an underscore (an identifier in a column heading): a
    <wbr> there, so a narrow column breaks it between its words, never inside one."""
    from markupsafe import Markup, escape

    return Markup(escape(str(value)).replace("_", Markup("_<wbr>")))


def render_pdf(data: dict[str, Any], out_dir: Path, font_dir: Path | None = FONT_DIR) -> bytes:
    """The same sections as the HTML, drawn with fpdf2: tables (paged, headings repeated) and
    the chart PNGs under out_dir. DejaVu Sans when present (Unicode), else Helvetica with text
    folded to Latin-1. The creation date is the as-of date (midnight UTC), so bytes repeat."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    meta = data["meta"]
    pdf = FPDF(orientation="P", unit="mm", format=PDF_FORMAT)
    fix_creation_date(pdf, _as_date(meta["as_of"]))
    pdf.set_title(meta["title"])
    pdf.set_subject(f"Decisions as of {meta['as_of']}, decision set {meta['decision_set']}")
    pdf.set_author("Clean Slate Warehouse")
    pdf.set_creator("orchestration.exports.report")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_margins(12, 12, 12)

    family, text = use_fonts(pdf, font_dir)

    def footer() -> None:
        pdf.set_y(-10)
        pdf.set_font(family, "", 7)
        pdf.set_text_color(110)
        pdf.cell(
            0,
            5,
            text(
                ("FORECAST · " if meta.get("forecast") else "")
                + f"As of {meta['as_of']} · decision set {meta['decision_set']}"
                f" · page {pdf.page_no()}"
            ),
            align="C",
        )
        pdf.set_text_color(0)

    pdf.footer = footer  # type: ignore[method-assign]
    pdf.add_page()
    pdf.set_font(family, "B", 16)
    pdf.multi_cell(0, 8, text(meta["title"]), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 9)
    pdf.multi_cell(
        0,
        5,
        text(
            f"As of {meta['as_of']}, decision set {meta['decision_set']}, "
            f"code {meta['git_revision']}. Counts only: no names, identifiers or dates of "
            "birth."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    heading = FontFace(emphasis="BOLD", fill_color=(225, 230, 238))

    def draw_table(t: dict[str, Any]) -> None:
        if pdf.will_page_break(30):
            pdf.add_page()
        pdf.set_font(family, "B", 10)
        pdf.multi_cell(0, 6, text(t["title"]), new_x="LMARGIN", new_y="NEXT")
        if not t["rows"]:
            pdf.set_font(family, "", 8)
            pdf.multi_cell(0, 5, text("(none)"), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
            return
        n = len(t["columns"])
        size = 8 if n <= 6 else 7
        pdf.set_font(family, "", size)
        widths = t["widths"] or [1.8] + [1.0] * (n - 1)
        aligns = tuple("RIGHT" if a == "right" else "LEFT" for a in t["align"])
        last = len(t["rows"]) - 1
        with pdf.table(
            col_widths=widths,
            text_align=aligns,
            headings_style=heading,
            line_height=size * 0.55,
            repeat_headings=1,
            width=pdf.epw,
            padding=0.8,
        ) as table:
            row = table.row()
            for c in t["columns"]:
                row.cell(text(c))
            for i, cells in enumerate(t["rows"]):
                style = FontFace(emphasis="BOLD") if t["total_row"] and i == last else None
                row = table.row(style=style)
                for c in cells:
                    row.cell(text(c))
        if t.get("note"):
            pdf.set_font(family, "", 7)
            pdf.set_text_color(90)
            pdf.multi_cell(0, 4, text(t["note"]), new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(0)
        pdf.ln(3)

    def draw_section(s: dict[str, Any], first: bool) -> None:
        if first:
            pdf.ln(2)
        else:
            pdf.add_page()
        pdf.set_font(family, "B", 13)
        pdf.multi_cell(0, 8, text(s["title"]), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 9)
        for p in s["paragraphs"]:
            pdf.multi_cell(0, 5, text(p), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        for t in s["tables"]:
            draw_table(t)
        for c in s["charts"]:
            w = pdf.epw
            h = w / 2  # charts are 9 x 4.5 in
            if pdf.will_page_break(h + 12):
                pdf.add_page()
            pdf.set_font(family, "B", 10)
            pdf.multi_cell(0, 6, text(c["title"]), new_x="LMARGIN", new_y="NEXT")
            pdf.image(str(out_dir / c["file"]), w=w, h=h, alt_text=text(c["title"]))
            pdf.ln(4)

    for i, s in enumerate(data["sections"]):
        draw_section(s, first=i == 0)
    pdf.add_page()
    pdf.set_font(family, "B", 13)
    pdf.multi_cell(0, 8, text("Notes and definitions"), new_x="LMARGIN", new_y="NEXT")
    for n in data["notes"]:
        pdf.set_font(family, "B", 9)
        pdf.multi_cell(0, 5, text(n["term"]), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 9)
        pdf.multi_cell(0, 5, text(n["definition"]), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    for s in data["appendix"]:  # last: the list of the run's checks
        draw_section(s, first=False)
    return bytes(pdf.output())


def write_report(out_dir: Path, data: dict[str, Any]) -> dict[str, Any]:
    """Write out_dir/report.html, report.pdf and charts/*.png (each atomically).

    Returns {"html": Path, "pdf": Path, "charts": {id: Path}, "sha256": {relative path: hex}}.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    written: dict[str, Any] = {"charts": {}, "sha256": {}}

    def put(rel: str, content: bytes) -> Path:
        path = out_dir / rel
        _write_bytes(path, content)
        written["sha256"][rel] = hashlib.sha256(content).hexdigest()
        return path

    for chart in data["charts"]:
        written["charts"][chart["id"]] = put(chart["file"], _chart_png(chart))
    written["html"] = put(HTML_FILE, render_html(data).encode("utf-8"))
    written["pdf"] = put(PDF_FILE, render_pdf(data, out_dir))
    return written
