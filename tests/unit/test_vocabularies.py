"""One source for the vocabularies (orchestration/lib/vocabularies.py): every copy agrees with it.

The pydantic types take their `Literal` types from the module (the rule-file schema, the
condition types, the law case files, the canonical format), and so the generated rules JSON
schema does too. The copies that cannot import it are tested against it here: the dbt
`accepted_values` tests (read from the parsed manifest), the Great Expectations value sets, the
committed rules JSON schema, the vocabulary lists of docs/canonical-format.md and rules/README.md,
the dbt SQL that compares a vocabulary column with literals, and the exports' own orderings.

Each copy is classified below, by where it is: `Whole` (it must hold exactly the vocabulary's
values, plus any `extra` said why), `Part` (a column that legitimately takes only part of one:
why) or `Local` (a value set with a single home that no other layer shares: why). A copy the
tables do not know fails, so a new one must be classified; an entry whose copy is gone fails too.

The manifest is dbt_project/target/manifest.json (tests/conftest.py builds it when missing;
`make manifest` refreshes it after a YAML edit).
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import pytest

from orchestration.ingest import canonical_format
from orchestration.lib import vocabularies
from orchestration.lib.settings import DBT_PROJECT_DIR, EXPECTATIONS_DIR, PROJECT_ROOT
from orchestration.lib.vocabularies import VOCABULARIES
from orchestration.transform.project import dbt_project


@dataclass(frozen=True)
class Whole:
    """The copy holds exactly the vocabulary's values (and `extra`, whose meaning `why` says)."""

    vocabulary: str
    extra: tuple[Any, ...] = ()
    why: str = ""


@dataclass(frozen=True)
class Part:
    """The copy holds only some of the vocabulary's values: `why`."""

    vocabulary: str
    why: str


@dataclass(frozen=True)
class Local:
    """A value set with a single home, shared with nothing else: `why`."""

    why: str


Spec = Whole | Part | Local


def problems(where: str, values: list[Any], spec: Spec) -> list[str]:
    """What is wrong with a copy of a vocabulary (nothing for a local value set)."""
    if isinstance(spec, Local):
        return []
    vocab = VOCABULARIES[spec.vocabulary]
    out = []
    dupes = sorted({str(v) for v in values if values.count(v) > 1})
    if dupes:
        out.append(f"{where}: listed twice: {dupes}")
    if isinstance(spec, Whole):
        want = set(vocab) | set(spec.extra)
        missing = [v for v in (*vocab, *spec.extra) if v not in values]
        unknown = [v for v in values if v not in want]
        if missing:
            out.append(f"{where}: lacks {missing} of {spec.vocabulary}")
        if unknown:
            out.append(f"{where}: has {unknown}, not in {spec.vocabulary}")
    else:
        unknown = [v for v in values if v not in vocab]
        if unknown:
            out.append(f"{where}: has {unknown}, not in {spec.vocabulary}")
        elif set(values) == set(vocab):
            out.append(f"{where}: now holds all of {spec.vocabulary}: make it Whole")
    return out


# --- The module itself --------------------------------------------------------------------------


def test_every_vocabulary_is_registered_once_with_its_literal_type():
    tuples = {
        name: value
        for name, value in vars(vocabularies).items()
        if name.isupper() and isinstance(value, tuple)
    }
    assert tuples == VOCABULARIES, "list every vocabulary in VOCABULARIES"
    literal_args = {
        get_args(value)
        for name, value in vars(vocabularies).items()
        if name[:1].isupper() and not name.isupper() and get_args(value)
    }
    for name, values in VOCABULARIES.items():
        assert values, name
        assert len(set(values)) == len(values), f"{name} lists a value twice"
        assert values in literal_args, f"{name} is not the values of a Literal type"


# --- dbt accepted_values ------------------------------------------------------------------------

DETERMINATION_MARTS = (
    "fct_decisions",
    "fct_conviction_eligibility",  # deprecated view of fct_decisions (the same YAML anchor)
    "fct_decisions_pseudonymized",
    "mart_decisions",  # deprecated view of fct_decisions_pseudonymized
)
DBT_ACCEPTED_VALUES: dict[tuple[str, str], Spec] = {
    **{(m, "determination"): Whole("DETERMINATIONS") for m in DETERMINATION_MARTS},
    ("fct_decisions", "relief"): Whole("RELIEFS"),
    ("fct_conviction_eligibility", "relief"): Whole("RELIEFS"),
    ("fct_decisions_pseudonymized", "age_band"): Whole("AGE_BANDS"),
    ("mart_decisions", "age_band"): Whole("AGE_BANDS"),
    ("int_review_latest", "mark"): Whole("REVIEW_MARKS"),
    ("stg_rules__rules", "outcome"): Whole("RULE_OUTCOMES"),
    ("int_charges_assembled", "disposition"): Whole("DISPOSITIONS"),
    ("fct_decisions", "conviction_date_precision"): Whole("DATE_PRECISIONS"),
    ("fct_conviction_eligibility", "conviction_date_precision"): Whole("DATE_PRECISIONS"),
    ("stg_doj__events", "dob_precision"): Whole("DATE_PRECISIONS"),
    ("stg_doj__events", "event_date_precision"): Whole("DATE_PRECISIONS"),
    ("int_charges_assembled", "parse_status"): Whole("PARSE_STATUSES"),
    ("stg_doj__events", "offense_level"): Part(
        "OFFENSE_LEVELS",
        "the CA DOJ file says felony, misdemeanor or infraction; summary is Pennsylvania's",
    ),
    ("int_charge_codes_normalized", "parse_status"): Part(
        "PARSE_STATUSES",
        "the CA parser reads texts: a charge without one (missing) never reaches it",
    ),
    ("rpt_charge_codes_unparsed", "parse_status"): Part(
        "PARSE_STATUSES", "the report lists the charges whose text did not parse (not parsed)"
    ),
    ("stg_rules__rules", "evaluation_wave"): Local("the rule waves of int_rule_results"),
    ("int_charge_codes_normalized", "parse_method"): Local("the CA parser's own layouts"),
    ("stg_doj__events", "offense_text_column"): Local("the CA DOJ file's offense columns"),
    ("stg_doj__supervision", "matched_key"): Local("how a supervision row found its subject"),
    ("rpt_disparity", "dimension"): Local("the report's two disparity tables, race and gender"),
    ("rpt_upcoming_eligibility", "period"): Local("the report's upcoming-eligibility rows"),
    ("statute_formats", "subdivisions_case"): Local(
        "a statute format's option (macros/statute_formats.sql checks the same two)"
    ),
    ("statute_formats", "subdivisions_spaces"): Local(
        "a statute format's option (macros/statute_formats.sql checks the same two)"
    ),
}


@pytest.fixture(scope="module")
def accepted_values() -> dict[tuple[str, str], list[list[Any]]]:
    manifest = json.loads(dbt_project.manifest_path.read_text())
    found: dict[tuple[str, str], list[list[Any]]] = {}
    for node in manifest["nodes"].values():
        meta = node.get("test_metadata") or {}
        if node["resource_type"] != "test" or meta.get("name") != "accepted_values":
            continue
        key = (node["attached_node"].split(".")[-1], meta["kwargs"]["column_name"])
        found.setdefault(key, []).append(meta["kwargs"]["values"])
    return found


def test_every_dbt_accepted_values_is_a_vocabulary_or_says_why_not(accepted_values):
    unknown = sorted(set(accepted_values) - set(DBT_ACCEPTED_VALUES))
    assert not unknown, (
        f"accepted_values of {unknown}: classify in DBT_ACCEPTED_VALUES (a vocabulary of "
        "orchestration/lib/vocabularies.py, part of one, or a local value set)"
    )
    gone = sorted(set(DBT_ACCEPTED_VALUES) - set(accepted_values))
    assert not gone, f"DBT_ACCEPTED_VALUES names tests dbt does not have: {gone}"
    bad = [
        p
        for key, lists in sorted(accepted_values.items())
        for values in lists
        for p in problems(f"dbt {key[0]}.{key[1]}", values, DBT_ACCEPTED_VALUES[key])
    ]
    assert not bad, "\n".join(bad)


# --- Great Expectations value sets --------------------------------------------------------------

GE_VALUE_SETS: dict[tuple[str, str], Spec] = {
    ("canonical_extract", "level"): Whole("OFFENSE_LEVELS", ("",), "blank = unknown"),
    ("canonical_extract", "grade"): Whole("GRADES", ("",), "blank = ungraded/unknown"),
    ("canonical_extract", "disposition"): Whole("DISPOSITIONS"),
    ("fct_decisions", "determination"): Whole("DETERMINATIONS"),
    ("fct_decisions", "relief"): Whole("RELIEFS"),
}


def ge_expectations() -> list[tuple[str, dict]]:
    return [
        (path.stem, e)
        for path in sorted(EXPECTATIONS_DIR.glob("*.json"))
        for e in json.loads(path.read_text())["expectations"]
    ]


def test_every_ge_value_set_is_a_vocabulary():
    found = {
        (suite, e["kwargs"]["column"]): e["kwargs"]["value_set"]
        for suite, e in ge_expectations()
        if "value_set" in e["kwargs"]
    }
    unknown = sorted(set(found) - set(GE_VALUE_SETS))
    assert not unknown, f"value_set of {unknown}: classify in GE_VALUE_SETS"
    gone = sorted(set(GE_VALUE_SETS) - set(found))
    assert not gone, f"GE_VALUE_SETS names value sets the suites do not have: {gone}"
    bad = [p for key, v in sorted(found.items()) for p in problems(str(key), v, GE_VALUE_SETS[key])]
    assert not bad, "\n".join(bad)


def test_the_ge_row_conditions_name_determinations():
    named = [
        (suite, value)
        for suite, e in ge_expectations()
        for value in re.findall(
            r"determination\s*[!=]=\s*['\"]([^'\"]*)['\"]", e["kwargs"].get("row_condition", "")
        )
    ]
    assert named
    assert [n for n in named if n[1] not in vocabularies.DETERMINATIONS] == []


# --- The rules JSON schema (generated from the pydantic models; test_rules checks it is current)

SCHEMA_ENUMS: dict[tuple[str, str, str], Spec] = {
    **{
        ("clearance-rules", d, p): Whole("OFFENSE_LEVELS")
        for d, p in (
            ("ConvictionFilter", "levels"),
            ("ConvictionFilter", "exclude_levels"),
            ("LevelIn", "levels"),
            ("HasPendingCase", "levels"),
        )
    },
    ("clearance-rules", "ConvictionFilter", "grades"): Whole("GRADES"),
    ("clearance-rules", "GradeIn", "grades"): Whole("GRADES"),
    ("clearance-rules", "DispositionIn", "dispositions"): Whole("DISPOSITIONS"),
    ("clearance-rules", "Rule", "outcome"): Whole("RULE_OUTCOMES"),
    ("clearance-rules", "Rule", "relief"): Whole("RELIEFS"),
    ("clearance-rules", "HasRegistration", "registration"): Whole(
        "REGISTRATION_TYPES", ("pc_290",), "pc_290: CA DOJ's registration events (sex_offender)"
    ),
    ("clearance-rules", "HasSentenceType", "sentence_types"): Part(
        "SENTENCE_TYPES", "only the sentence parts its SQL reads (has_prison, has_jail, ...)"
    ),
    **{
        ("clearance-rules", d, p): Local(
            "the rule language's own (rules/conditions/_common.py: DateField, Anchor)"
        )
        for d, p in (
            ("DateAfter", "field"),
            ("DateBefore", "field"),
            ("DateOnOrAfter", "field"),
            ("NoConvictionInWindow", "since"),
            ("WaitingPeriod", "since"),
        )
    },
    ("clearance-rules", "FlagIs", "flag"): Local("the charge's flags (flag_is.py)"),
    **{
        ("clearance-rules", d, p): Local("the rule language's own (rules/schema.py)")
        for d, p in (
            ("", "status"),
            ("Aggregate", "to"),
            ("Citation", "confidence"),
            ("CodeSetMember", "attempt"),
            ("CodeSetMember", "match"),
            ("Parameter", "type"),
            ("Rule", "on_unknown"),
        )
    },
    ("clearance-code-inference", "Citation", "confidence"): Local("rules/schema.py's Citation"),
}


def _enums(node: Any) -> list[list[Any]]:
    if isinstance(node, dict):
        return ([node["enum"]] if "enum" in node else []) + [
            e for v in node.values() for e in _enums(v)
        ]
    if isinstance(node, list):
        return [e for v in node for e in _enums(v)]
    return []


def test_every_enum_of_the_rules_json_schemas_is_a_vocabulary():
    found: dict[tuple[str, str, str], list[list[Any]]] = {}
    for path in sorted((PROJECT_ROOT / "rules" / "_schema").glob("*.schema.json")):
        schema = json.loads(path.read_text())
        kind = path.name.split(".")[0]
        for name, model in [("", schema), *schema.get("$defs", {}).items()]:
            for prop, sub in model.get("properties", {}).items():
                if enums := _enums(sub):
                    found[(kind, name, prop)] = enums
    unknown = sorted(set(found) - set(SCHEMA_ENUMS))
    assert not unknown, f"enums of {unknown}: classify in SCHEMA_ENUMS"
    gone = sorted(set(SCHEMA_ENUMS) - set(found))
    assert not gone, f"SCHEMA_ENUMS names enums the schemas do not have: {gone}"
    bad = [
        p
        for key, enums in sorted(found.items())
        for values in enums
        for p in problems(str(key), values, SCHEMA_ENUMS[key])
    ]
    assert not bad, "\n".join(bad)


# --- The docs -----------------------------------------------------------------------------------

CANONICAL_DOC = PROJECT_ROOT / "docs" / "canonical-format.md"
RULES_DOC = PROJECT_ROOT / "rules" / "README.md"
PRESENTATION = PROJECT_ROOT / "presentation"


def _backticked(text: str) -> list[str]:
    return re.findall(r"`([^`]+)`", text)


def _canonical_doc_values(doc: str, table: str, column: str) -> list[str]:
    row = re.search(rf"^\| `{table}` \|.*$", doc, re.M)
    assert row, f"docs/canonical-format.md has no row for table {table}"
    cell = re.search(rf"`{column}`\*? \(([^()]*)\)", row.group(0))
    assert cell, f"docs/canonical-format.md: {table}.{column} lists no values"
    if cell.group(1) == "vocabulary below":
        para = re.search(rf"\*\*\w+ vocabulary\*\* \(`{table}\.{column}`\):(.*?)\.\s", doc, re.S)
        assert para, f"docs/canonical-format.md: no vocabulary paragraph for {table}.{column}"
        return _backticked(para.group(1))
    return _backticked(cell.group(1))


@pytest.mark.parametrize(("table", "column"), sorted(canonical_format.VOCABULARIES))
def test_the_canonical_format_doc_lists_each_vocabulary(table, column):
    assert column in canonical_format.TABLES[table].columns
    values = canonical_format.VOCABULARIES[(table, column)]
    name = next(n for n, v in VOCABULARIES.items() if v is values)
    listed = _canonical_doc_values(CANONICAL_DOC.read_text(), table, column)
    assert problems(f"docs/canonical-format.md {table}.{column}", listed, Whole(name)) == []


def test_the_rules_readme_lists_the_outcomes_reliefs_levels_and_grades():
    doc = RULES_DOC.read_text()
    outcomes = re.search(r"\*\*Outcomes\*\*: (.*?)A rule cannot say", doc, re.S)
    assert outcomes, "rules/README.md: the **Outcomes** paragraph"
    reliefs = re.search(r"`relief`: (.*?)\)", outcomes.group(1), re.S)
    assert reliefs
    said = outcomes.group(1).replace(reliefs.group(0), "")
    level_row = re.search(r"^\| `level_in \{levels\}` \| (.*?) is one of these", doc, re.M)
    grade_row = re.search(r"^\| `grade_in \{grades\}` \| the grade \((.*?)\)", doc, re.M)
    assert level_row and grade_row
    copies = {
        "reliefs": (_backticked(reliefs.group(1)), Whole("RELIEFS")),
        "outcomes": (
            [v for v in _backticked(said) if v not in ("relief", "{param: ...}", "enum")],
            Whole("RULE_OUTCOMES"),
        ),
        "level_in": (level_row.group(1).split(" / "), Whole("OFFENSE_LEVELS")),
        "grade_in": (
            [g for t in _backticked(grade_row.group(1)) for g in t.split()],
            Whole("GRADES"),
        ),
    }
    bad = [p for k, (v, spec) in copies.items() for p in problems(f"rules/README {k}", v, spec)]
    assert not bad, "\n".join(bad)


# --- The dbt SQL --------------------------------------------------------------------------------

# A column compared with literals (`col = 'x'`, `col <> 'x'`, `col in ('x', 'y')`) is compared
# with values of its vocabulary only. Keyed by the column's name (any table alias).
SQL_COLUMNS = {
    "determination": "DETERMINATIONS",
    "charge_determination": "DETERMINATIONS",
    "group_determination": "DETERMINATIONS",
    "outcome": "DETERMINATIONS",  # a rule's, or a verdict's (which may be not_yet_eligible)
    "relief": "RELIEFS",
    "disposition": "DISPOSITIONS",
    "offense_level": "OFFENSE_LEVELS",
    "grade": "GRADES",
    "sentence_type": "SENTENCE_TYPES",
    "sentence_unit": "SENTENCE_UNITS",
    "supervision_type": "SUPERVISION_TYPES",
    "registration_type": "REGISTRATION_TYPES",
    "case_status": "CASE_STATUSES",
    "parse_status": "PARSE_STATUSES",
    "age_band": "AGE_BANDS",
}
# Lists that must name the whole vocabulary: (file, column) -> vocabulary.
SQL_WHOLE_LISTS = {
    ("int_charges_assembled.sql", "offense_level"): "OFFENSE_LEVELS",  # a canonical level, or NULL
    ("int_charges_assembled.sql", "sentence_unit"): "SENTENCE_UNITS",  # a length that counts
}
_COMPARISON = re.compile(
    r"\b([a-z_][\w.]*)\s+(?:not\s+)?in\s*\(\s*('[^'\n]*'(?:\s*,\s*'[^'\n]*')*)\s*\)"
    r"|\b([a-z_][\w.]*)\s*(?:=|<>|!=)\s*'([^'\n]*)'",
    re.I,
)
_VALUE = re.compile(r"^[\w +\-]+$")


def _sql_files() -> list[Path]:
    dbt = DBT_PROJECT_DIR
    return sorted(
        [
            *dbt.glob("models/**/*.sql"),
            *dbt.glob("macros/**/*.sql"),
            *dbt.glob("tests/**/*.sql"),
            *(PROJECT_ROOT / "orchestration" / "rules" / "conditions").glob("*.sql"),
        ]
    )


def _vocabulary_of(column: str) -> str | None:
    return "DATE_PRECISIONS" if column.endswith("_precision") else SQL_COLUMNS.get(column)


def test_the_dbt_sql_compares_vocabulary_columns_with_their_values_only():
    bad, whole_lists = [], dict.fromkeys(SQL_WHOLE_LISTS, 0)
    for path in _sql_files():
        for m in _COMPARISON.finditer(path.read_text()):
            column = (m.group(1) or m.group(3)).split(".")[-1].lower()
            values = re.findall(r"'([^']*)'", m.group(2)) if m.group(1) else [m.group(4)]
            name = _vocabulary_of(column)
            if name is None or not all(_VALUE.match(v) for v in values):
                continue  # not a vocabulary column, or not a literal (SQL text being built)
            where = f"{path.relative_to(PROJECT_ROOT)}: {m.group(0)!r}"
            whole = SQL_WHOLE_LISTS.get((path.name, column)) if m.group(1) else None
            if whole:
                whole_lists[(path.name, column)] += 1
                bad += problems(where, values, Whole(whole))
            else:
                unknown = [v for v in values if v not in VOCABULARIES[name]]
                bad += [f"{where}: {unknown} not in {name}"] if unknown else []
    assert not bad, "\n".join(bad)
    assert all(whole_lists.values()), f"SQL_WHOLE_LISTS names lists the SQL lacks: {whole_lists}"


def test_the_age_bands_of_the_analysts_mart_are_the_vocabulary():
    sql = DBT_PROJECT_DIR / "models/marts/analytics/fct_decisions_pseudonymized.sql"
    case = re.search(r"\bcase\b(.*?)\bend as age_band", sql.read_text(), re.S)
    assert case
    bands = re.findall(r"(?:then|else)\s+'([^']*)'", case.group(1))
    assert problems("fct_decisions_pseudonymized.age_band", bands, Whole("AGE_BANDS")) == []


# --- The exports' orderings and labels (their own modules keep them; they must agree) ------------


def test_the_exports_know_every_determination_and_only_reliefs():
    from orchestration.exports import report, review_workbook
    from orchestration.exports.presentation import load_state_profile

    copies: dict[str, tuple[list[str], Spec]] = {
        "report.DETERMINATIONS": (list(report.DETERMINATIONS), Whole("DETERMINATIONS")),
        "report.DETERMINATION_LABELS": (
            list(report.DETERMINATION_LABELS),
            Whole("DETERMINATIONS"),
        ),
        "review_workbook.DETERMINATION_ORDER": (
            list(review_workbook.DETERMINATION_ORDER),
            Whole("DETERMINATIONS"),
        ),
        "review_workbook.DETERMINATION_LABEL": (
            list(review_workbook.DETERMINATION_LABEL),
            Whole("DETERMINATIONS"),
        ),
        "report.REMOVING_RELIEF": (
            sorted(report.REMOVING_RELIEF),
            Part("RELIEFS", "the reliefs that take a conviction off the record"),
        ),
        "report.FELONY_CLEARING_RELIEF": (
            sorted(report.FELONY_CLEARING_RELIEF),
            Part("RELIEFS", "the removing reliefs and reduce"),
        ),
    }
    # each state's court documents word the reliefs its laws grant (presentation/<state>.yaml;
    # tests/unit/test_court_documents.py checks that every relief a rule file grants is worded)
    for f in sorted(PRESENTATION.glob("*.yaml")):
        profile, _ = load_state_profile(f)
        copies[f"presentation/{f.name} reliefs"] = (
            list(profile.reliefs),
            Part("RELIEFS", "a state words the reliefs its laws grant"),
        )
    bad = [p for k, (v, spec) in copies.items() for p in problems(k, v, spec)]
    assert not bad, "\n".join(bad)
