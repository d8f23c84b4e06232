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
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from orchestration.exports.writers import atomic_file, normalize_county
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

RAW_EXTRA_COLUMNS = ("source_file", "source_line", "charge_key", "subject_key")
DECISION_COLUMNS = (
    "charge_key",
    "person_key",
    "source_file",
    "source_line",
    "county",
    "conviction_date",
    "conviction_date_raw",
    "section",
    "is_felony",
    "determination",
    "relief",
    "decisive_rule",
    "reasons",
    "missing_facts",
)
PEOPLE_COLUMNS = (
    "person_key",
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

_PROP64 = re.compile(r"(?<![0-9.])(1135[789]|11360)(?![0-9]|\.[0-9])")
_SUB_11357 = re.compile(r"11357(?:\s*\(\s*([A-D])\s*\)|([A-D])(?![A-Z]))", re.IGNORECASE)
_SUB_GROUP = {"A": "AB", "B": "AB", "C": "CD", "D": "CD"}


def _prop64_section(text: str) -> tuple[str, str | None] | None:
    m = _PROP64.search(text)
    if m is None:
        return None
    sub = None
    if m.group(1) == "11357":
        s = _SUB_11357.match(text, m.start())
        if s is not None:
            sub = (s.group(1) or s.group(2)).upper()
    return m.group(1), sub


def possible_other_p64(offense: str | None, comment: str | None) -> str:
    """Section 3.4: COMMENT_TEXT when it names a Prop 64 charge the offense text does not."""
    offense, comment = offense or "", comment or ""
    if offense.strip().upper() in ("", "SEE COMMENT FOR CHARGE"):
        return ""
    in_comment = _prop64_section(comment)
    if in_comment is None:
        return ""
    in_offense = _prop64_section(offense)
    if in_offense is None or in_offense[0] != in_comment[0]:
        return comment
    if in_comment[0] == "11357":
        off_sub, com_sub = in_offense[1], in_comment[1]
        if com_sub and not off_sub:
            return comment
        if com_sub and off_sub and _SUB_GROUP[com_sub] != _SUB_GROUP[off_sub]:
            return comment
    return ""


_DOJ_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def doj_date_range(raw: str | None) -> tuple[date, date] | None:
    """YYYYMMDD, or partial YYYY0000 / YYYYMM00, as [earliest, latest]; None if unreadable."""
    m = _DOJ_DATE.match((raw or "").strip())
    if m is None:
        return None
    y, mo, d = (int(g) for g in m.groups())
    try:
        if mo == 0:
            return (date(y, 1, 1), date(y, 12, 31)) if d == 0 and y > 0 else None
        if d == 0:
            first = date(y, mo, 1)
            nxt = date(y + (mo == 12), mo % 12 + 1, 1)
            return first, nxt - timedelta(days=1)
        exact = date(y, mo, d)
    except ValueError:
        return None
    return exact, exact


def _years_since(d: date | None, as_of: date) -> str:
    return "" if d is None else f"{(as_of - d).days / 365.25:.1f}"


def _occurred_after(exact: date | None, raw: str | None) -> str:
    rng = (exact, exact) if exact is not None else doj_date_range(raw)
    if rng is None:
        return ""
    if rng[0] > PROP64_EFFECTIVE:
        return "Y"
    if rng[1] <= PROP64_EFFECTIVE:
        return "N"
    return ""


def _text(v: Any) -> str:
    return "" if v is None else str(v)


def _years_ago(as_of: date, years: int) -> date:
    """as_of minus whole years, Go AddDate-style (Feb 29 -> Mar 1)."""
    try:
        return as_of.replace(year=as_of.year - years)
    except ValueError:
        return date(as_of.year - years, 3, 1)


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


# Lines per write: bounds the text held at once (All_Results_Condensed.csv is ~170 MB at 1M rows).
_CHUNK_ROWS = 200_000


def _write_go_csv(path: Path, header: Sequence[str], chunks: Iterable[pl.Series]) -> int:
    """The header, then each chunk of finished lines (fields quoted and joined); returns rows."""
    rows = 0
    with atomic_file(path) as f:
        f.write(",".join(_go_quote(h) for h in header) + "\n")
        f.flush()
        for lines in chunks:
            # straight to the byte stream (newline=""): no str round trip of the whole file
            lines.to_frame().write_csv(f.buffer, include_header=False, quote_style="never")
            rows += lines.len()
    return rows


def _go_json(obj: Any) -> str:
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    for ch, esc in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        text = text.replace(ch, esc)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _go_float(x: float) -> float | int:
    return int(x) if float(x).is_integer() and abs(x) < 1e21 else float(x)


# --------------------------------------------------------------------------------------------
# Frames


def _require(frame: pl.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} lacks column(s): {', '.join(missing)}")


def _raw_frame(raw_rows: pl.DataFrame) -> pl.DataFrame:
    _require(raw_rows, [*COLUMNS, *RAW_EXTRA_COLUMNS], "raw_rows")
    return raw_rows.select(
        *[pl.col(c).cast(pl.String).fill_null("") for c in COLUMNS],
        pl.col("source_file").cast(pl.String),
        pl.col("source_line").cast(pl.Int64, strict=False),
        pl.col("charge_key").cast(pl.String),
        pl.coalesce(
            pl.col("subject_key").cast(pl.String),
            pl.when(pl.col("SUBJECT_ID").cast(pl.String).str.strip_chars() != "")
            .then(pl.lit("doj:") + pl.col("SUBJECT_ID").cast(pl.String))
            .otherwise(None),
        ).alias("_subject"),
    ).with_row_index("_row")


def _possible_other_column(raw: pl.DataFrame) -> pl.DataFrame:
    """_row, Possible Other P64 Charges (computed once per distinct offense/comment pair)."""
    pairs = (
        raw.select("OFFENSE_DESCR", "COMMENT_TEXT")
        .filter(pl.col("COMMENT_TEXT").str.contains(r"1135[789]|11360"))
        .unique(maintain_order=True)
    )
    values = [possible_other_p64(o, c) for o, c in pairs.iter_rows()]
    pairs = pairs.with_columns(pl.Series(POSSIBLE_OTHER_P64, values, dtype=pl.String))
    return (
        raw.select("_row", "OFFENSE_DESCR", "COMMENT_TEXT")
        .join(pairs, on=["OFFENSE_DESCR", "COMMENT_TEXT"], how="left", maintain_order="left")
        .select("_row", pl.col(POSSIBLE_OTHER_P64).fill_null(""))
    )


def _case_numbers(raw: pl.DataFrame) -> pl.DataFrame:
    """_subject, _step, Case Number: distinct OFNs of COURT ACTION rows per cycle+step."""
    return (
        raw.filter(
            (pl.col("STP_TYPE_DESCR").str.strip_chars().str.to_uppercase() == "COURT ACTION")
            & (pl.col("OFN").str.strip_chars() != "")
        )
        .select("_subject", pl.col("CNT_ORDER").str.slice(0, 6).alias("_step"), "OFN")
        .unique(maintain_order=True)
        .group_by("_subject", "_step", maintain_order=True)
        .agg(pl.col("OFN").str.join("; ").alias(CASE_NUMBER))
    )


def _place_decisions(decisions: pl.DataFrame, raw: pl.DataFrame) -> pl.DataFrame:
    """The decisions of the run's files, each with `_row`: the index of its first raw row."""
    _require(decisions, DECISION_COLUMNS, "decisions")
    if "program" in decisions.columns:
        decisions = decisions.filter(pl.col("program") == PROGRAM)
    if "source_system" in decisions.columns:
        decisions = decisions.filter(pl.col("source_system") == "doj")
    run_files = raw["source_file"].unique().drop_nulls().to_list()
    decisions = (
        decisions.with_columns(
            pl.col("source_file").cast(pl.String),
            pl.col("source_line").cast(pl.Int64, strict=False),
            pl.col("charge_key").cast(pl.String),
        )
        .filter(pl.col("source_file").is_in(run_files))
        .unique(subset="charge_key", keep="first", maintain_order=True)
    )
    by_line = (
        raw.select("source_file", "source_line", "_row")
        .unique(subset=["source_file", "source_line"], keep="first", maintain_order=True)
        .rename({"_row": "_row_by_line"})
    )
    by_key = (
        raw.filter(pl.col("charge_key").is_not_null())
        .group_by("charge_key")
        .agg(pl.col("_row").min().alias("_row_by_key"))
    )
    return (
        decisions.join(by_line, on=["source_file", "source_line"], how="left")
        .join(by_key, on="charge_key", how="left")
        .with_columns(pl.coalesce("_row_by_line", "_row_by_key").alias("_row"))
        .drop("_row_by_line", "_row_by_key")
    )


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


def _date_columns(exact: date | None, raw: str | None) -> tuple[str, str]:
    """(Date of Conviction, Occurred after 11/9/2016)."""
    shown = exact.strftime("%m/%d/%Y") if exact is not None else (raw or "").strip()
    return shown, _occurred_after(exact, raw)


VOCABULARY_INPUTS = (
    "determination",
    "relief",
    "decisive_rule",
    "section",
    "missing_facts",
    "reasons",
)
SECTIONS = ("11357", "11358", "11359", "11360")


def _placed_convictions(
    placed: pl.DataFrame, raw: pl.DataFrame, people: pl.DataFrame
) -> pl.DataFrame:
    """The placed decisions (in `placed` order) with _county (normalized, "" for none) and the
    per-conviction columns that depend neither on the county nor on as_of."""
    _require(people, PEOPLE_COLUMNS, "people")
    people = people.select(PEOPLE_COLUMNS).unique(subset="person_key", keep="first")
    steps = (
        raw.filter(pl.col("_row").is_in(placed["_row"].drop_nulls().implode()))
        .select("_row", "_subject", pl.col("CNT_ORDER").str.slice(0, 6).alias("_step"))
        .join(_case_numbers(raw), on=["_subject", "_step"], how="left")
    )
    d = placed.join(
        steps.select("_row", CASE_NUMBER), on="_row", how="left", maintain_order="left"
    ).join(people, on="person_key", how="left", maintain_order="left")
    if d.schema[CASE_NUMBER] == pl.String:
        case_number = d[CASE_NUMBER].fill_null("")
    else:
        case_number = _rendered(d, CASE_NUMBER, CASE_NUMBER, _text)
    # normalize_county itself, once per distinct value: no re-implementation to drift from it
    county = _rendered(
        d.with_columns(pl.col("county").cast(pl.String)),
        "county",
        "_county",
        lambda c: "" if c is None else normalize_county(c),
    )
    return d.select(
        "_row",
        *(c for c in VOCABULARY_INPUTS if c != "section"),
        pl.col("charge_key").cast(pl.String),
        pl.col("person_key").cast(pl.String),
        pl.col("section").cast(pl.String),
        pl.col("is_felony").cast(pl.Boolean),
        pl.col("conviction_date").cast(pl.Date),
        "most_recent_conviction_date",
    ).with_columns(
        county,
        case_number,
        *_per_distinct(
            d,
            ["conviction_date", "conviction_date_raw"],
            ["Date of Conviction", "Occurred after 11/9/2016"],
            _date_columns,
        ),
        _rendered(d, "convictions", "# of convictions on record", _text),
        _rendered(d, "superstrike_sections", "Superstrike Code Section(s)", lambda v: v or "-"),
        _rendered(d, "pc290_sections", "PC290 Code Section(s)", lambda v: v or "-"),
        _rendered(d, "has_pc290_registration", "PC290 Registration", lambda v: "Yes" if v else "-"),
        _rendered(d, "prop64_convictions", "# of Prop 64 convictions", _text),
        *(_rendered(d, f"n_{s}", f"# of HS {s} convictions", _text) for s in SECTIONS),
        _rendered(d, "is_deceased", "Deceased", lambda v: "Deceased" if v else "-"),
    )


def _eligibility_rows(
    in_county: pl.DataFrame, as_of: date, parameters: Mapping[str, Any]
) -> pl.DataFrame:
    """One row per in-county conviction, by row: _row, charge_key, person_key, section,
    is_felony, conviction_date and the per-conviction eligibility columns."""
    d = in_county.sort("_row")
    return d.with_columns(
        *_per_distinct(
            d,
            VOCABULARY_INPUTS,
            ["Eligibility Determination", "Eligibility Reason"],
            lambda *v: gogen_vocabulary(dict(zip(VOCABULARY_INPUTS, v, strict=True)), parameters),
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
    ).select(
        "_row",
        "charge_key",
        "person_key",
        "section",
        "is_felony",
        "conviction_date",
        *PER_CONVICTION_COLUMNS,
    )


def _convictions_from_raw(raw: pl.DataFrame) -> pl.DataFrame:
    """Fallback for `all_convictions`: the convictions visible in the run's rows, gogen-style."""
    first = raw.filter(pl.col("charge_key").is_not_null()).unique(
        subset="charge_key", keep="first", maintain_order=True
    )
    stat = pl.col("CONV_STAT_DESCR").str.strip_chars().str.to_uppercase()
    toc = pl.col("OFFENSE_TOC").str.strip_chars().str.to_uppercase()
    return first.select(
        pl.col("_subject").alias("person_key"),
        "charge_key",
        pl.when(stat == "").then(toc == "F").otherwise(stat == "FELONY").alias("is_felony"),
        pl.col("STP_EVENT_DATE")
        .str.strip_chars()
        .str.strptime(pl.Date, "%Y%m%d", strict=False)
        .alias("conviction_date"),
    )


def _count_subjects(
    convictions: pl.DataFrame, dismissed: list[str], relieved: list[str], as_of: date
) -> dict[str, int]:
    conv = convictions.with_columns(
        pl.col("charge_key").is_in(dismissed).alias("_dismissed"),
        pl.col("charge_key").is_in(relieved).alias("_relieved"),
    )

    def all_relieved(frame: pl.DataFrame, flag: str) -> int:
        if frame.height == 0:
            return 0
        per_person = frame.group_by("person_key").agg(pl.col(flag).all())
        return int(per_person[flag].sum())

    cutoff = _years_ago(as_of, 7)
    # Unknown level: possibly a felony; unknown date: possibly within the last 7 years.
    felonies = conv.filter(pl.col("is_felony").fill_null(True))
    recent = conv.filter(pl.col("conviction_date").is_null() | (pl.col("conviction_date") > cutoff))
    return {
        "CountSubjectsNoConviction": all_relieved(conv, "_dismissed"),
        "CountSubjectsNoConvictionLast7Years": all_relieved(recent, "_dismissed"),
        "CountSubjectsNoFelony": all_relieved(felonies, "_relieved"),
    }


def _summary(
    county: str,
    line_count: int,
    processing_seconds: float,
    elig: pl.DataFrame,
    convictions: pl.DataFrame,
    as_of: date,
    parameters: Mapping[str, Any],
) -> dict[str, Any]:
    keys = elig["charge_key"].to_list()
    labels = elig["Eligibility Determination"].to_list()
    reasons = elig["Eligibility Reason"].to_list()
    dismissed = [k for k, lab in zip(keys, labels, strict=True) if lab == DISMISSAL]
    relieved = [k for k, lab in zip(keys, labels, strict=True) if lab in (DISMISSAL, REDUCTION)]
    by_reason = Counter(zip(labels, reasons, strict=True))
    earliest = elig["conviction_date"].drop_nulls().min()
    felony = elig["is_felony"].fill_null(False)
    with_relief = elig.filter(pl.col("Eligibility Determination").is_in([DISMISSAL, REDUCTION]))
    additional = Counter(
        r
        for lab, r in zip(labels, reasons, strict=True)
        if lab == DISMISSAL
        and not r.startswith("Dismiss all HS")
        and not r.startswith("Misdemeanor or Infraction")
    )
    return {
        "county": county,
        "earliestConviction": f"{earliest.isoformat()}T00:00:00Z" if earliest else None,
        "lineCount": line_count,
        "processingTimeInSeconds": _go_float(processing_seconds),
        "reliefWithCurrentEligibilityChoices": _count_subjects(
            convictions, dismissed, relieved, as_of
        ),
        "reliefWithDismissAllProp64": _count_subjects(convictions, keys, keys, as_of),
        "prop64ConvictionsCountInCountyByCodeSection": dict(
            sorted(Counter(s for s in elig["section"].to_list() if s).items())
        ),
        "subjectsWithProp64ConvictionCountInCounty": elig["person_key"].drop_nulls().n_unique(),
        "prop64FelonyConvictionsCountInCounty": int(felony.sum()),
        "prop64NonFelonyConvictionsCountInCounty": int((~felony).sum()),
        "subjectsWithSomeReliefCount": with_relief["person_key"].drop_nulls().n_unique(),
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


# --------------------------------------------------------------------------------------------
# Entry points


@dataclass(frozen=True, eq=False)
class GogenInputs:
    """A run's county-independent work, from `prepare_gogen`, for `write_gogen_county`."""

    parameters: Mapping[str, Any]  # with DEFAULT_PARAMETERS filled in
    line_count: int  # data rows of all files
    # Every input row in order (row i has _row i): _row, _prefix (the 20 condensed columns,
    # quoted, ","-joined) and _other (Possible Other P64 Charges, quoted).
    rows: pl.DataFrame
    # The rows a decision is placed on: _row, _prefix (the 95 research-file columns, quoted).
    records: pl.DataFrame
    # The run's placed decisions (see _placed_convictions), all counties.
    decisions: pl.DataFrame
    # person_key, charge_key, is_felony, conviction_date: one row per charge_key.
    convictions: pl.DataFrame


def prepare_gogen(
    raw_rows: pl.DataFrame,
    decisions: pl.DataFrame,
    people: pl.DataFrame,
    *,
    all_convictions: pl.DataFrame | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> GogenInputs:
    """Everything of the bundle that does not depend on the county, done once per run; the
    arguments are those of `write_gogen_bundle`."""
    raw = _raw_frame(raw_rows)
    placed = _place_decisions(decisions, raw)
    convictions = all_convictions if all_convictions is not None else _convictions_from_raw(raw)
    _require(
        convictions, ("person_key", "charge_key", "is_felony", "conviction_date"), "convictions"
    )
    other = _possible_other_column(raw).select(
        "_row", _go_quote_expr(POSSIBLE_OTHER_P64).alias("_other")
    )
    return GogenInputs(
        parameters={**DEFAULT_PARAMETERS, **(parameters or {})},
        line_count=raw.height,
        rows=raw.select("_row", _go_fields(CONDENSED_COLUMNS).alias("_prefix")).join(
            other, on="_row", how="left", maintain_order="left"
        ),
        records=raw.filter(pl.col("_row").is_in(placed["_row"].drop_nulls().implode())).select(
            "_row", _go_fields(COLUMNS).alias("_prefix")
        ),
        decisions=_placed_convictions(placed, raw, people),
        convictions=convictions.select(
            pl.col("person_key").cast(pl.String),
            pl.col("charge_key").cast(pl.String),
            pl.col("is_felony").cast(pl.Boolean),
            pl.col("conviction_date").cast(pl.Date),
        ).unique(subset="charge_key", keep="first"),
    )


def write_gogen_county(
    prepared: GogenInputs,
    out_dir: Path,
    county: str,
    as_of: date,
    processing_seconds: float = 0.0,
) -> dict[str, Any]:
    """Write Prop64_Results.csv, All_Results_Condensed.csv and gogen.json of `county` into
    `out_dir`; returns what `write_gogen_bundle` returns."""
    target = normalize_county(county)
    in_county = prepared.decisions.filter(pl.col("_county") == target)
    unplaced = in_county.filter(pl.col("_row").is_null())["charge_key"].to_list()
    if unplaced:
        raise ValueError(
            f"{len(unplaced)} in-county decision(s) match no row of raw_rows, e.g. {unplaced[:5]}"
        )
    elig = _eligibility_rows(in_county, as_of, prepared.parameters)
    # The 18 columns of a row: per county only the in-county conviction rows differ from blank.
    tail = elig.with_columns(prepared.rows["_other"].gather(elig["_row"])).select(
        "_row",
        pl.concat_str(
            [
                pl.col("_other") if c == POSSIBLE_OTHER_P64 else _go_quote_expr(c)
                for c in ELIGIBILITY_COLUMNS
            ],
            separator=",",
        ).alias("_tail"),
    )
    blank_tail = pl.concat_str(
        [pl.col("_other") if c == POSSIBLE_OTHER_P64 else pl.lit("") for c in ELIGIBILITY_COLUMNS],
        separator=",",
    )

    def condensed() -> Iterator[pl.Series]:
        rows = prepared.rows
        for start in range(0, rows.height, _CHUNK_ROWS):
            part = rows.slice(start, _CHUNK_ROWS)
            here = tail.filter(pl.col("_row").is_between(start, start + part.height, closed="left"))
            yield (
                part.join(here, on="_row", how="left", maintain_order="left")
                .select(pl.concat_str(["_prefix", pl.coalesce("_tail", blank_tail)], separator=","))
                .to_series()
            )

    # filter, join, sort: the steps of the old whole-frame version, so even two decisions placed
    # on one row come out as before
    prop64 = (
        prepared.records.filter(pl.col("_row").is_in(elig["_row"].implode()))
        .join(tail, on="_row", how="left", maintain_order="left")
        .sort("_row")
        .select(pl.concat_str(["_prefix", "_tail"], separator=","))
        .to_series()
    )
    out_dir = Path(out_dir)
    prop64_rows = _write_go_csv(out_dir / PROP64_RESULTS_FILE, PROP64_RESULTS_HEADER, [prop64])
    condensed_rows = _write_go_csv(out_dir / CONDENSED_FILE, CONDENSED_HEADER, condensed())
    summary = _summary(
        county,
        prepared.line_count,
        processing_seconds,
        elig,
        prepared.convictions,
        as_of,
        prepared.parameters,
    )
    with atomic_file(out_dir / SUMMARY_FILE) as f:
        f.write(_go_json(summary))
    return {
        PROP64_RESULTS_FILE: prop64_rows,
        CONDENSED_FILE: condensed_rows,
        SUMMARY_FILE: 1,
        "charge_keys": set(elig["charge_key"].to_list()),
        # for audit.export_lines: each conviction's input row (= its record in the condensed
        # file; Prop64_Results.csv holds these rows in the same order)
        "rows_by_charge_key": dict(zip(elig["charge_key"], elig["_row"], strict=True)),
    }


def write_gogen_bundle(
    out_dir: Path,
    county: str,
    raw_rows: pl.DataFrame,
    decisions: pl.DataFrame,
    people: pl.DataFrame,
    as_of: date,
    processing_seconds: float = 0.0,
    *,
    all_convictions: pl.DataFrame | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Write Prop64_Results.csv, All_Results_Condensed.csv and gogen.json into `out_dir`.

    raw_rows: the run's staged research-file rows, all counties and files, in input order (the 95
    columns, source_file, source_line, charge_key, subject_key). decisions: the Prop 64 decision
    rows (all counties). people: per-person context (see PEOPLE_COLUMNS). all_convictions:
    person_key, charge_key, is_felony, conviction_date of every conviction of those people (all
    programs, all counties) for the CountSubjects* counters. parameters: the rule parameters in
    force (dismiss_sections, reduce_sections, dismiss_age_threshold, ...).

    Returns {file name: data rows written, ..., "charge_keys": the convictions in
    Prop64_Results.csv, "rows_by_charge_key": ...}. For several counties of one run, call
    `prepare_gogen` once and `write_gogen_county` per county instead.
    """
    prepared = prepare_gogen(
        raw_rows, decisions, people, all_convictions=all_convictions, parameters=parameters
    )
    return write_gogen_county(prepared, out_dir, county, as_of, processing_seconds)
