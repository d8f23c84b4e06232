"""The earlier tool's (gogen 0.2.13) output files, so downstream spreadsheets keep working.

Pure module: polars frames in, files out. Per county, into one folder (`write_gogen_bundle`; for
several counties of one run, `prepare_gogen` once, which does all the county-independent work,
then `write_gogen_county` per county):
    Prop64_Results.csv          header + the first row of each in-county Prop 64 conviction:
                                the 95 research-file columns verbatim + the 18 eligibility columns
    All_Results_Condensed.csv   header + every input row (all counties, input order): the 20
                                condensed columns + the 18 (blank on rows without eligibility
                                info, except "Possible Other P64 Charges")
    gogen.json                  the run summary, with gogen's keys in gogen's order
Reference: ../shared/docs/ca-doj-research-file.md sections 4.2-4.4, 5.1-5.4 and 11. CSV files are
written as Go's encoding/csv does (LF, a field is quoted only when it holds a comma, a quote, CR
or LF, starts with white space, or is exactly `\\.`); files are written atomically, owner-only.

Vocabulary: our determination -> gogen's "Eligibility Determination"
    eligible + dismiss                   -> Eligible for Dismissal
    eligible + reduce                    -> Eligible for Reduction
    not_eligible                         -> Not eligible
    needs_review, not_yet_eligible       -> Hand Review
gogen 0.2.13 defined "Not eligible" and "Hand Review" without emitting them; we use them because
its only other answer for a conviction it could not relieve was a blank (section 11, item 5), and
a blank cell reads as "not processed". "Hand Review" rather than "Maybe Eligible - Flag for
Review": it is what the LA pilot used for "a person must look at this" (section 4.6), and
not_yet_eligible also needs a person (gogen had no waiting periods).

"Eligibility Reason": where the deciding rule is one gogen had, gogen's own text:
    misdemeanor              Misdemeanor or Infraction
    dismiss_section          Dismiss all HS <section> convictions
    reduce_section           Reduce all HS <section> convictions
    under_21                 21 years or younger
    age_threshold            <dismiss_age_threshold> years or older
    years_since_conviction   Conviction occurred <dismiss_years_since_conviction> or more years ago
    crime_free               No convictions in the past <dismiss_years_crime_free> years
    only_prop64              Only has 11357-60 charges
    deceased                 Individual is deceased
Otherwise the text starts with "Differs from gogen: <our determination> - " and says why:
    post_prop64              not eligible - offense after 11/9/2016 (gogen only flagged the date)
    convicted_after_prop64   hand review - offense before 11/9/2016, convicted after it ...
    under_21_at_offense      dismissal - under 21 at the offense (a parameter gogen did not have)
    excluded_subdivision     not eligible - sale or furnishing to a minor, or import/export ...
    prior_superstrike        hand review - prior superstrike (PC 667(e)(2)(C)(iv)), which gogen
                             only reported
    prior_290_conviction     hand review - prior PC 290(c) registrable conviction, which gogen ...
    prior_290_registration   hand review - PC 290 registration on the record, which gogen ...
    two_priors               hand review - two or more prior convictions of the same section ...
    no_criterion             hand review - felony of a section the county neither dismisses nor
                             reduces (gogen left the determination blank)
    misdemeanor (review)     hand review - misdemeanor or infraction sent to review by county
                             policy (gogen dismissed it)
    any rule, missing fact   hand review - missing <fact>, needed to decide <what the rule asks>
                             e.g. "missing exact disposition date (recorded as 20160000), needed
                             to decide whether convicted after 11/9/2016"
    scope                    hand review - cannot tell whether Prop 64 applies: missing <fact>
    not_yet_eligible         hand review - not yet eligible (gogen had no waiting periods): ...
    anything else            our own reason text

Choices where the reference leaves room (and gogen defects not copied):
* County: decisions are evaluated for the county when their `county` equals `county` compared case-
  and space-insensitively (writers.normalize_county); gogen compared bytes.
* Only decisions whose `source_file` is one of the run's files (in `raw_rows`) belong to the run;
  each is placed on its first row by (source_file, source_line), else on the first row carrying
  its charge_key. An in-county decision of a run file that matches no row is an error.
* "Case Number": the subject is the person key (`subject_key`, else SUBJECT_ID), so one person's
  rows in several files are one subject (gogen: each file its own universe); blank OFNs skipped,
  values untrimmed, distinct, in row order, "; "-joined.
* "Possible Other P64 Charges" (section 3.4) with our section matcher instead of gogen's substring
  search: 11357-11360 not preceded by a digit or dot and not followed by a digit or `.digit`
  (so 11357.5, 11359.5, 111357, 113570 are not Prop 64), searched in the whole OFFENSE_DESCR (so
  `664-11357(C) HS` is found); 11357 subsection = letter A-D in `11357(x)` or right after `11357`.
* "Date of Conviction": MM/DD/YYYY when the exact date is known; a partial or unparseable date is
  written as recorded (e.g. `20150100`), never 01/01/0001; blank when nothing was recorded.
  "Years Since This Conviction" is then blank (never -1.0); both years-since columns are computed
  at `as_of` as days / 365.25 with one decimal (gogen: hours / (24 * 365.25), same value).
* "Occurred after 11/9/2016": Y / N from the exact date; for a partial date, Y when its whole range
  is after 2016-11-09, N when its whole range is on or before it, blank when it straddles.
* gogen.json `earliestConviction`: earliest exact date of an in-county Prop 64 conviction, or null
  (never the wall clock); `lineCount`: all data rows of all files; `processingTimeInSeconds`: the
  argument. The three CountSubjects* counters look at every conviction of each person (all
  programs, all counties: `all_convictions`); a conviction counts as relieved only when it is an
  in-county Prop 64 conviction of this run whose decision is eligible + dismiss (NoConviction,
  NoConvictionLast7Years) or eligible with any relief (NoFelony) - another county's decision is
  not this county's relief. The counters claim relief, so they never rest on unknowns: a
  conviction of unknown level counts as a possible felony, one of unknown date as possibly
  within the last 7 years (before `as_of`, not the wall clock). The dismiss-all flow relieves
  every in-county Prop 64 conviction. `prop64FelonyConvictionsCountInCounty` counts convictions
  recorded as felonies, `prop64NonFelonyConvictionsCountInCounty` all others (gogen's split, so
  the two add up to the in-county total).
* Without `all_convictions`, the counters use the convictions visible in `raw_rows` (rows with a
  charge_key; level and date from the first row, gogen-style).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

import polars as pl

from orchestration.exports.writers import atomic_file
from orchestration.ingest.doj_format import COLUMNS

PROGRAM = "us_ca_prop64"
PROP64_RESULTS_FILE = "Prop64_Results.csv"
CONDENSED_FILE = "All_Results_Condensed.csv"
SUMMARY_FILE = "gogen.json"

CONDENSED_COLUMNS: tuple[str, ...] = (
    "CII_NUMBER",
    "PRI_NAME",
    "GENDER",
    "PRI_DOB",
    "RACE_DESCR",
    "CYC_DATE",
    "STP_EVENT_DATE",
    "STP_ORI_DESCR",
    "STP_ORI_CNTY_NAME",
    "DISP_DATE",
    "OFN",
    "OFFENSE_DESCR",
    "DISP_DESCR",
    "CONV_STAT_DESCR",
    "SENT_LOC_DESCR",
    "SENT_LENGTH",
    "SENT_TIME_CODE",
    "CYC_AGE",
    "COMMENT_TEXT",
    "END_OF_REC",
)

CASE_NUMBER = "Case Number"
POSSIBLE_OTHER_P64 = "Possible Other P64 Charges"
ELIGIBILITY_COLUMNS: tuple[str, ...] = (
    CASE_NUMBER,
    "# of convictions on record",
    POSSIBLE_OTHER_P64,
    "Occurred after 11/9/2016",
    "Superstrike Code Section(s)",
    "PC290 Code Section(s)",
    "PC290 Registration",
    "Date of Conviction",
    "Years Since This Conviction",
    "Years Since Any Conviction",
    "# of Prop 64 convictions",
    "# of HS 11357 convictions",
    "# of HS 11358 convictions",
    "# of HS 11359 convictions",
    "# of HS 11360 convictions",
    "Deceased",
    "Eligibility Determination",
    "Eligibility Reason",
)
# Filled only on the first row of an in-county Prop 64 conviction.
PER_CONVICTION_COLUMNS = tuple(c for c in ELIGIBILITY_COLUMNS if c != POSSIBLE_OTHER_P64)

PROP64_RESULTS_HEADER: tuple[str, ...] = (*COLUMNS, *ELIGIBILITY_COLUMNS)
CONDENSED_HEADER: tuple[str, ...] = (*CONDENSED_COLUMNS, *ELIGIBILITY_COLUMNS)

DISMISSAL = "Eligible for Dismissal"
REDUCTION = "Eligible for Reduction"
NOT_ELIGIBLE = "Not eligible"
HAND_REVIEW = "Hand Review"
DIFFERS = "Differs from gogen: "

PROP64_EFFECTIVE = date(2016, 11, 9)
# The rule file's defaults (rules/us_ca/prop64.yaml), used for keys `parameters` leaves out.
DEFAULT_PARAMETERS: dict[str, Any] = {
    "dismiss_sections": ["11357", "11358"],
    "reduce_sections": ["11359", "11360"],
}

# What the writer reads of exp_gogen_convictions (load.py GOGEN_ROWS_SQL gives them on the rows
# a decision is placed on, NULL elsewhere), and of exp_gogen_research_rows besides the 95 columns.
CONVICTION_COLUMNS = (
    "decision_id",
    "charge_key",
    "person_key",
    "county",
    "case_number",
    "conviction_date",
    "conviction_date_raw",
    "occurred_after_prop64",
    "section",
    "is_felony",
    "determination",
    "relief",
    "decisive_rule",
    "reasons",
    "missing_facts",
    "is_deceased",
    "has_pc290_registration",
    "superstrike_sections",
    "pc290_sections",
    "convictions",
    "prop64_convictions",
    "n_11357",
    "n_11358",
    "n_11359",
    "n_11360",
    "most_recent_conviction_date",
)
OTHER_P64 = "possible_other_p64_charges"
COUNTY = "_county"  # the county, normalized (writers.normalize_county), added by the reader

# --------------------------------------------------------------------------------------------
# Vocabulary


def _threshold(parameters: Mapping[str, Any], name: str, rule: str) -> int:
    value = parameters.get(name)
    if not value:
        raise ValueError(f"a {rule!r} decision needs parameters[{name!r}] (the N in its reason)")
    return int(value)


def _gogen_reason(
    rule: str, relief: str, section: str, parameters: Mapping[str, Any]
) -> str | None:
    """gogen's reason text for an eligible decision of a rule gogen had; None otherwise."""
    if relief == "reduce":
        return f"Reduce all HS {section} convictions" if rule == "reduce_section" else None
    fixed = {
        "misdemeanor": "Misdemeanor or Infraction",
        "dismiss_section": f"Dismiss all HS {section} convictions",
        "under_21": "21 years or younger",
        "only_prop64": "Only has 11357-60 charges",
        "deceased": "Individual is deceased",
    }
    if rule in fixed:
        return fixed[rule]
    if rule == "age_threshold":
        return f"{_threshold(parameters, 'dismiss_age_threshold', rule)} years or older"
    if rule == "years_since_conviction":
        n = _threshold(parameters, "dismiss_years_since_conviction", rule)
        return f"Conviction occurred {n} or more years ago"
    if rule == "crime_free":
        n = _threshold(parameters, "dismiss_years_crime_free", rule)
        return f"No convictions in the past {n} years"
    return None


_NOT_ELIGIBLE_WHY = {
    "post_prop64": "offense after 11/9/2016 (gogen only flagged the date)",
    "excluded_subdivision": (
        "sale or furnishing to a minor, or import/export (H&S 11359(c)(3), 11359(d), "
        "11360(a)(3)(C)-(D)): still a felony after Prop 64 (gogen did not check subdivisions)"
    ),
}
_REVIEW_WHY = {
    "convicted_after_prop64": (
        "offense before 11/9/2016, convicted after it: check whether the sentence already "
        "applied Prop 64 (gogen only flagged the date)"
    ),
    "prior_superstrike": "prior superstrike (PC 667(e)(2)(C)(iv)), which gogen only reported",
    "prior_290_conviction": "prior PC 290(c) registrable conviction, which gogen only reported",
    "prior_290_registration": "PC 290 registration on the record, which gogen only reported",
    "two_priors": (
        "two or more prior convictions of the same section (H&S 11358(d)(2), 11359(c)(2), "
        "11360(a)(3)(B)), which gogen ignored"
    ),
    "no_criterion": (
        "felony of a section the county neither dismisses nor reduces "
        "(gogen left the determination blank)"
    ),
    "misdemeanor": "misdemeanor or infraction sent to review by county policy (gogen dismissed it)",
}
# What each rule asks, for "missing <fact>, needed to decide <question>".
_QUESTION = {
    "post_prop64": "whether the offense came after 11/9/2016",
    "convicted_after_prop64": "whether convicted after 11/9/2016",
    "excluded_subdivision": "whether the subdivision is excluded (sale to a minor, import/export)",
    "misdemeanor": "whether it is a misdemeanor or infraction",
    "prior_superstrike": "whether a superstrike (PC 667(e)(2)(C)(iv)) came before",
    "prior_290_conviction": "whether a PC 290(c) registrable conviction came before",
    "prior_290_registration": "whether a PC 290 registration came before",
    "two_priors": "whether there are two prior convictions of the same section",
    "dismiss_section": "whether the county dismisses this section",
    "reduce_section": "whether the county reduces this section",
    "under_21": "whether under 21 at the conviction",
    "under_21_at_offense": "whether under 21 at the offense",
    "age_threshold": "the age at the as-of date",
    "years_since_conviction": "the years since the conviction",
    "crime_free": "the years without a conviction",
    "only_prop64": "whether all convictions are HS 11357-11360",
    "deceased": "whether the person is deceased",
}


def gogen_vocabulary(decision: Mapping[str, Any], parameters: Mapping[str, Any]) -> tuple[str, str]:
    """(Eligibility Determination, Eligibility Reason) in gogen's words for one decision row."""
    determination = decision.get("determination")
    relief = decision.get("relief")
    rule = decision.get("decisive_rule") or ""
    section = decision.get("section") or "?"
    missing = (decision.get("missing_facts") or "").strip()
    ours = (decision.get("reasons") or "").strip()

    if determination == "eligible" and relief in ("dismiss", "reduce"):
        label = DISMISSAL if relief == "dismiss" else REDUCTION
        reason = _gogen_reason(rule, relief, section, parameters)
        if reason is not None:
            return label, reason
        return label, f"{DIFFERS}{label.lower()} - {ours or rule}"
    label = NOT_ELIGIBLE if determination == "not_eligible" else HAND_REVIEW
    if rule == "scope":
        why = f"cannot tell whether Prop 64 applies: missing {missing or 'a fact'}"
    elif determination == "not_yet_eligible":
        why = f"not yet eligible (gogen had no waiting periods): {ours or rule}"
    elif missing:
        question = _QUESTION.get(rule)
        why = f"missing {missing}" + (f", needed to decide {question}" if question else "")
    elif determination == "not_eligible" and rule in _NOT_ELIGIBLE_WHY:
        why = _NOT_ELIGIBLE_WHY[rule]
    elif determination != "not_eligible" and rule in _REVIEW_WHY:
        why = _REVIEW_WHY[rule]
    else:
        why = ours or f"undecided ({rule or 'no rule'})"
    return label, f"{DIFFERS}{label.lower()} - {why}"


# --------------------------------------------------------------------------------------------
# Field helpers


def _years_since(d: date | None, as_of: date) -> str:
    return "" if d is None else f"{(as_of - d).days / 365.25:.1f}"


def _text(v: Any) -> str:
    return "" if v is None else str(v)


def _years_ago(as_of: date, years: int) -> date:
    """as_of minus whole years, Go AddDate-style (Feb 29 -> Mar 1)."""
    try:
        return as_of.replace(year=as_of.year - years)
    except ValueError:
        return date(as_of.year - years, 3, 1)


def recent_cutoff(as_of: date) -> date:
    """NoConvictionLast7Years: convictions after this date (or undated) are recent."""
    return _years_ago(as_of, 7)


# --------------------------------------------------------------------------------------------
# CSV / JSON writing, Go style


def _go_quote(field: str) -> str:
    if field == "":
        return field
    if field == "\\." or any(ch in field for ch in ',"\r\n') or field[0].isspace():
        return '"' + field.replace('"', '""') + '"'
    return field


def _go_quote_expr(name: str) -> pl.Expr:
    c = pl.col(name).cast(pl.String).fill_null("")
    needs = c.str.contains(r'[,"\r\n]') | c.str.contains(r"^\s") | (c == "\\.")
    quoted = pl.concat_str([pl.lit('"'), c.str.replace_all('"', '""', literal=True), pl.lit('"')])
    return pl.when(needs).then(quoted).otherwise(c)


def _go_fields(columns: Sequence[str]) -> pl.Expr:
    return pl.concat_str([_go_quote_expr(c) for c in columns], separator=",")


def _go_json(obj: Any) -> str:
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    for ch, esc in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        text = text.replace(ch, esc)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _go_float(x: float) -> float | int:
    return int(x) if float(x).is_integer() and abs(x) < 1e21 else float(x)


class _GoCsv:
    """One CSV file written in pieces (header first), keeping the rows written and, for the
    lines that carry a decision, the physical line their record starts on, as
    file_kinds.base.record_start_lines reads the file back: one line per record when the file
    has one line end per record, else the lines Python's csv reader counts (a quoted field may
    hold CR, LF or CRLF)."""

    def __init__(self, f: IO[str], header: Sequence[str]) -> None:
        self._f = f
        f.write(",".join(_go_quote(h) for h in header) + "\n")
        f.flush()
        self.rows = 0
        self._lf = 1  # line feeds written (the header's)
        self._lines = 1  # physical lines (csv reader's count) written
        self._placed: list[pl.DataFrame] = []

    def write(self, lines: pl.Series, ids: pl.Series) -> None:
        """Finished lines (without their LF) and the decision_id each carries (null: none)."""
        if lines.len() == 0:
            return
        frame = pl.DataFrame({"_line": lines, "decision_id": ids.cast(pl.String)})
        # straight to the byte stream (newline=""): no str round trip of the whole piece
        frame.select("_line").write_csv(self._f.buffer, include_header=False, quote_style="never")
        breaks = pl.col("_line").str.count_matches(r"\r\n|\r|\n").cast(pl.Int64) + 1
        counted = frame.with_columns(
            (pl.int_range(pl.len(), dtype=pl.Int64) + self.rows + 2).alias("_simple"),
            (breaks.cum_sum() - breaks + self._lines + 1).alias("_parsed"),
            breaks.alias("_breaks"),
            (pl.col("_line").str.count_matches("\n").cast(pl.Int64) + 1).alias("_lf"),
        )
        placed = counted.filter(pl.col("decision_id").is_not_null()).select(
            "decision_id", "_simple", "_parsed"
        )
        # ids of their own: a filtered string column shares the whole batch's buffers (polars'
        # string views), and every county's places kept every batch alive (~0.7 GiB at 1M rows)
        ids = pl.Series("decision_id", placed["decision_id"].to_list(), dtype=pl.String)
        self._placed.append(placed.with_columns(ids))
        self.rows += frame.height
        self._lf += int(counted["_lf"].sum())
        self._lines += int(counted["_breaks"].sum())

    def places(self) -> pl.DataFrame:
        """decision_id, line: where each decision's record starts."""
        line = "_simple" if self._lf == self.rows + 1 else "_parsed"
        schema = {"decision_id": pl.String, "_simple": pl.Int64, "_parsed": pl.Int64}
        placed = pl.concat([pl.DataFrame(schema=schema), *self._placed], how="vertical")
        return placed.select("decision_id", pl.col(line).alias("line"))


# --------------------------------------------------------------------------------------------
# Rows


def _per_distinct(
    frame: pl.DataFrame,
    inputs: Sequence[str],
    outputs: Sequence[str],
    fn: Callable[..., tuple[str, ...]],
) -> list[pl.Series]:
    """The `outputs` string columns, row-aligned with `frame`: fn(*inputs) run once per distinct
    combination of the inputs (nulls included), so Python semantics at the cost of the distinct
    values, not the rows."""
    keys = frame.select(inputs).unique(maintain_order=True)
    results = [fn(*k) for k in keys.iter_rows()]
    keys = keys.with_columns(
        pl.Series(f"_out{i}", [r[i] for r in results], dtype=pl.String) for i in range(len(outputs))
    )
    joined = frame.select(inputs).join(
        keys, on=list(inputs), how="left", nulls_equal=True, maintain_order="left"
    )
    return [joined[f"_out{i}"].alias(name) for i, name in enumerate(outputs)]


def _rendered(frame: pl.DataFrame, column: str, name: str, fn: Callable[[Any], str]) -> pl.Series:
    return _per_distinct(frame, [column], [name], lambda v: (fn(v),))[0]


def _date_of_conviction(exact: date | None, raw: str | None) -> str:
    """MM/DD/YYYY when the exact date is known, else the date as recorded (never 01/01/0001)."""
    return exact.strftime("%m/%d/%Y") if exact is not None else (raw or "").strip()


VOCABULARY_INPUTS = (
    "determination",
    "relief",
    "decisive_rule",
    "section",
    "missing_facts",
    "reasons",
)
SECTIONS = ("11357", "11358", "11359", "11360")


def eligibility_tails(rows: pl.DataFrame, as_of: date, parameters: Mapping[str, Any]) -> pl.Series:
    """The 18 eligibility columns of rows that carry a conviction (CONVICTION_COLUMNS and
    OTHER_P64), quoted and ","-joined: gogen's words for what exp_gogen_convictions says."""
    d = rows.with_columns(
        pl.col("conviction_date").cast(pl.Date),
        pl.col("most_recent_conviction_date").cast(pl.Date),
        *(pl.col(c).cast(pl.String) for c in VOCABULARY_INPUTS),
    )
    columns = d.select(
        pl.col("case_number").fill_null("").alias(CASE_NUMBER),
        _rendered(d, "convictions", "# of convictions on record", _text),
        pl.col(OTHER_P64).fill_null("").alias(POSSIBLE_OTHER_P64),
        pl.col("occurred_after_prop64").fill_null("").alias("Occurred after 11/9/2016"),
        _rendered(d, "superstrike_sections", "Superstrike Code Section(s)", lambda v: v or "-"),
        _rendered(d, "pc290_sections", "PC290 Code Section(s)", lambda v: v or "-"),
        _rendered(d, "has_pc290_registration", "PC290 Registration", lambda v: "Yes" if v else "-"),
        *_per_distinct(
            d,
            ["conviction_date", "conviction_date_raw"],
            ["Date of Conviction"],
            lambda exact, raw: (_date_of_conviction(exact, raw),),
        ),
        _rendered(
            d, "conviction_date", "Years Since This Conviction", lambda v: _years_since(v, as_of)
        ),
        _rendered(
            d,
            "most_recent_conviction_date",
            "Years Since Any Conviction",
            lambda v: _years_since(v, as_of),
        ),
        _rendered(d, "prop64_convictions", "# of Prop 64 convictions", _text),
        *(_rendered(d, f"n_{s}", f"# of HS {s} convictions", _text) for s in SECTIONS),
        _rendered(d, "is_deceased", "Deceased", lambda v: "Deceased" if v else "-"),
        *_per_distinct(
            d,
            VOCABULARY_INPUTS,
            ["Eligibility Determination", "Eligibility Reason"],
            lambda *v: gogen_vocabulary(dict(zip(VOCABULARY_INPUTS, v, strict=True)), parameters),
        ),
    )
    return columns.select(_go_fields(ELIGIBILITY_COLUMNS).alias("_tail")).to_series()


def write_gogen_files(
    out_dirs: Mapping[str, Path],
    batches: Iterable[pl.DataFrame],
    as_of: date,
    parameters: Mapping[str, Any],
) -> dict[str, Any]:
    """Prop64_Results.csv and All_Results_Condensed.csv of every county of `out_dirs`
    (normalized county -> its gogen folder), in one pass over the research file.

    batches: every research-file record, all counties and files, in input order
    (load.py GOGEN_ROWS_SQL): the 95 columns (those not in CONDENSED_COLUMNS may be null on a
    record without a decision), OTHER_P64, CONVICTION_COLUMNS (null on a record without a
    decision) and COUNTY. A county's decision is printed on its record in both files; every
    other record is the condensed file's 20 columns and "Possible Other P64 Charges".

    Returns {"line_count": records read, county: {PROP64_RESULTS_FILE: rows, CONDENSED_FILE:
    rows, "places": {file name: frame of decision_id, line}}}.
    """
    parameters = {**DEFAULT_PARAMETERS, **parameters}
    counties = list(out_dirs)
    blank = pl.concat_str(
        [
            _go_quote_expr(OTHER_P64) if c == POSSIBLE_OTHER_P64 else pl.lit("")
            for c in ELIGIBILITY_COLUMNS
        ],
        separator=",",
    )
    line_count = 0
    with ExitStack() as stack:
        files = {
            c: {
                name: _GoCsv(stack.enter_context(atomic_file(Path(out_dirs[c]) / name)), header)
                for name, header in (
                    (PROP64_RESULTS_FILE, PROP64_RESULTS_HEADER),
                    (CONDENSED_FILE, CONDENSED_HEADER),
                )
            }
            for c in counties
        }
        for batch in batches:
            line_count += batch.height
            rows = batch.with_row_index("_i").with_columns(
                _go_fields(CONDENSED_COLUMNS).alias("_prefix")
            )
            placed = rows.filter(
                pl.col("decision_id").is_not_null() & pl.col(COUNTY).is_in(counties)
            )
            if placed.height:
                placed = placed.with_columns(
                    eligibility_tails(placed, as_of, parameters).alias("_tail")
                ).select(
                    "_i",
                    COUNTY,
                    "decision_id",
                    pl.concat_str(["_prefix", "_tail"], separator=",").alias("_condensed"),
                    pl.concat_str([_go_fields(COLUMNS), "_tail"], separator=",").alias("_result"),
                )
            lines = rows.select(
                "_i", pl.concat_str(["_prefix", blank], separator=",").alias("_blank")
            )
            here = set(placed[COUNTY].unique().to_list()) if placed.height else set()
            for c in counties:
                out = files[c]
                if c not in here:
                    out[CONDENSED_FILE].write(
                        lines["_blank"], pl.Series([None] * lines.height, dtype=pl.String)
                    )
                    continue
                mine = placed.filter(pl.col(COUNTY) == c)
                merged = lines.join(
                    mine.select("_i", "decision_id", "_condensed"),
                    on="_i",
                    how="left",
                    maintain_order="left",
                )
                out[CONDENSED_FILE].write(
                    merged.select(pl.coalesce("_condensed", "_blank")).to_series(),
                    merged["decision_id"],
                )
                out[PROP64_RESULTS_FILE].write(mine["_result"], mine["decision_id"])
    result: dict[str, Any] = {"line_count": line_count}
    for c in counties:
        out = files[c]
        result[c] = {
            PROP64_RESULTS_FILE: out[PROP64_RESULTS_FILE].rows,
            CONDENSED_FILE: out[CONDENSED_FILE].rows,
            "places": {name: out[name].places() for name in (PROP64_RESULTS_FILE, CONDENSED_FILE)},
        }
    return result


# --------------------------------------------------------------------------------------------
# gogen.json


@dataclass(frozen=True)
class CountyFigures:
    """A county's figures for gogen.json, as SQL aggregates them (load.py GOGEN_*_SQL)."""

    # determination, relief, decisive_rule, section, missing_facts, reasons, n: the county's
    # decisions by what gogen's words depend on
    groups: pl.DataFrame
    earliest: date | None  # earliest exact conviction date
    convictions: int
    felonies: int  # recorded as felonies
    subjects: int  # people with a conviction in the county
    subjects_with_relief: int  # of those, with an eligible decision (dismiss or reduce)
    by_section: Mapping[str, int]  # convictions per non-blank section
    # CountSubjects* as configured and with every in-county Prop 64 conviction dismissed
    current: Mapping[str, int]
    dismiss_all: Mapping[str, int]


def gogen_summary(
    county: str,
    line_count: int,
    processing_seconds: float,
    figures: CountyFigures,
    parameters: Mapping[str, Any],
) -> dict[str, Any]:
    """gogen.json's object, with gogen's keys in gogen's order."""
    parameters = {**DEFAULT_PARAMETERS, **parameters}
    by_reason: Counter[tuple[str, str]] = Counter()
    for row in figures.groups.iter_rows(named=True):
        label, reason = gogen_vocabulary(row, parameters)
        by_reason[(label, reason)] += int(row["n"])
    additional = Counter(
        {
            r: n
            for (lab, r), n in by_reason.items()
            if lab == DISMISSAL
            and not r.startswith("Dismiss all HS")
            and not r.startswith("Misdemeanor or Infraction")
        }
    )
    earliest = figures.earliest
    return {
        "county": county,
        "earliestConviction": f"{earliest.isoformat()}T00:00:00Z" if earliest else None,
        "lineCount": line_count,
        "processingTimeInSeconds": _go_float(processing_seconds),
        "reliefWithCurrentEligibilityChoices": dict(figures.current),
        "reliefWithDismissAllProp64": dict(figures.dismiss_all),
        "prop64ConvictionsCountInCountyByCodeSection": dict(sorted(figures.by_section.items())),
        "subjectsWithProp64ConvictionCountInCounty": figures.subjects,
        "prop64FelonyConvictionsCountInCounty": figures.felonies,
        "prop64NonFelonyConvictionsCountInCounty": figures.convictions - figures.felonies,
        "subjectsWithSomeReliefCount": figures.subjects_with_relief,
        "convictionDismissalCountByCodeSection": {
            s: by_reason[(DISMISSAL, f"Dismiss all HS {s} convictions")]
            for s in sorted(set(parameters.get("dismiss_sections") or []))
        },
        "convictionReductionCountByCodeSection": {
            s: by_reason[(REDUCTION, f"Reduce all HS {s} convictions")]
            for s in sorted(set(parameters.get("reduce_sections") or []))
        },
        "convictionDismissalCountByAdditionalRelief": dict(sorted(additional.items())),
    }


def write_gogen_summary(out_dir: Path, summary: Mapping[str, Any]) -> None:
    with atomic_file(Path(out_dir) / SUMMARY_FILE) as f:
        f.write(_go_json(summary))
