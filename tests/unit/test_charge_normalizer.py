"""The charge-code normalizer (dbt model int_charge_codes_normalized) on every known variant.

One DuckDB file gets a raw.doj_extract row per variant; dbt builds stg_doj__events and the
normalizer once (also running the model's YAML unit tests and data tests); each variant is then
checked against the canonical statute and flags from clearance-law.md 7.4, 9.1 (P9, P10, P19)
and 9.6 (N1-N6).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt.cli.main import dbtRunner

from orchestration.ingest.canonical_format import TABLES as CANONICAL_TABLES
from orchestration.ingest.doj_format import COLUMNS
from orchestration.rules.compile import TABLES as RULE_TABLES
from orchestration.rules.compile import compile_code_inference
from orchestration.rules.load import load_code_inference

# builds stg_doj__events and int_charge_codes_normalized with dbt once per module
pytestmark = pytest.mark.integration

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
RULES_DIR = Path(__file__).resolve().parents[2] / "rules"

# (offense text, column it is written to, statute, is_attempt, is_conspiracy, parse_status,
#  other expected columns)
VARIANTS: list[tuple[str, str, str | None, bool, bool, str, dict[str, Any]]] = [
    # 9.6 N2: code spellings and positions
    ("11357 HS", "OFFENSE_DESCR", "CA:HS:11357", False, False, "parsed", {}),
    ("11357 H&S", "OFFENSE_DESCR", "CA:HS:11357", False, False, "parsed", {}),
    ("11357 H & S", "OFFENSE_DESCR", "CA:HS:11357", False, False, "parsed", {}),
    ("11357HS", "OFFENSE_DESCR", "CA:HS:11357", False, False, "parsed", {}),
    (
        "HS 11357",
        "OFFENSE_DESCR",
        "CA:HS:11357",
        False,
        False,
        "parsed",
        {"parse_method": "code_before_section"},
    ),
    # 9.6 N1: subdivisions
    ("11357(A) HS", "OFFENSE_DESCR", "CA:HS:11357(a)", False, False, "parsed", {}),
    ("HS 11357(a)", "OFFENSE_DESCR", "CA:HS:11357(a)", False, False, "parsed", {}),
    ("11357 (A) HS", "OFFENSE_DESCR", "CA:HS:11357(a)", False, False, "parsed", {}),
    ("11357A HS", "OFFENSE_DESCR", "CA:HS:11357(a)", False, False, "parsed", {}),
    ("11357(a) hs", "OFFENSE_DESCR", "CA:HS:11357(a)", False, False, "parsed", {}),
    ("11357B2 HS", "OFFENSE_DESCR", "CA:HS:11357(b)(2)", False, False, "parsed", {}),
    (
        "11357(C)HS-POSSESS MARIJUANA",
        "OFFENSE_DESCR",
        "CA:HS:11357(c)",
        False,
        False,
        "parsed",
        {"code_token": "11357(C)HS"},
    ),
    # 9.1 P9: attempts
    (
        "664-11357(C) HS-ATTEMPT POSSESS",
        "OFFENSE_DESCR",
        "CA:HS:11357(c)",
        True,
        False,
        "parsed",
        {"code_token": "664-11357(C) HS"},
    ),
    ("664/11357(C) HS", "OFFENSE_DESCR", "CA:HS:11357(c)", True, False, "parsed", {}),
    ("664.11357(C) HS", "OFFENSE_DESCR", "CA:HS:11357(c)", True, False, "parsed", {}),
    ("66411357(c) HS", "OFFENSE_DESCR", "CA:HS:11357(c)", True, False, "parsed", {}),
    # conspiracy
    ("182/11360 HS-CONSPIRACY", "OFFENSE_DESCR", "CA:HS:11360", False, True, "parsed", {}),
    # 9.1 P19: 11357.5 is its own section
    (
        "11357.5 HS",
        "OFFENSE_DESCR",
        "CA:HS:11357.5",
        False,
        False,
        "parsed",
        {"section": "11357.5", "section_key": "11357.5"},
    ),
    # a section without code: review
    (
        "11357(A)",
        "OFFENSE_DESCR",
        None,
        False,
        False,
        "no_code",
        {
            "section_key": "11357",
            "statute_code": None,
            "parse_method": "no_code",
            "code_inferred": False,
        },
    ),
    # code inference (rules/us_ca/code_inference.yaml, the real table): a cannabis description
    # with a section of H&S 11357-11362.9 settles the code; a section outside it does not
    (
        "11360(B) SELL/FURNISH/ETC MARIJUANA/HASH",
        "OFFENSE_DESCR",
        "CA:HS:11360(b)",
        False,
        False,
        "parsed",
        {"code_inferred": True, "code_inference_keyword": "MARIJUANA", "parse_method": "no_code"},
    ),
    (
        "11357 POSSESS MARIJUANA",
        "OFFENSE_DESCR",
        "CA:HS:11357",
        False,
        False,
        "parsed",
        {"code_inferred": True, "code_inference_keyword": "MARIJUANA"},
    ),
    (
        "11350 POSS MARIJUANA",
        "OFFENSE_DESCR",
        None,
        False,
        False,
        "no_code",
        {"code_inferred": False, "code_inference_keyword": None, "section_key": "11350"},
    ),
    # 9.1 P7: sale-to-minor subdivisions
    ("11359(C)(3) HS", "OFFENSE_DESCR", "CA:HS:11359(c)(3)", False, False, "parsed", {}),
    ("11360(A)(3)(D) HS", "OFFENSE_DESCR", "CA:HS:11360(a)(3)(d)", False, False, "parsed", {}),
    # 9.6 N3-N6: comma decimal, compounds, noise
    (
        "496,3(A)(2) PC",
        "OFFENSE_DESCR",
        "CA:PC:496.3(a)(2)",
        False,
        False,
        "parsed",
        {"section": "496.3"},
    ),
    (
        "PC 459/460",
        "OFFENSE_DESCR",
        "CA:PC:459",
        False,
        False,
        "parsed",
        {"qualifier_sections": "CA:PC:460", "enhancements": ""},
    ),
    (
        "186.22(B)(4)-136.1 PC",
        "OFFENSE_DESCR",
        "CA:PC:136.1",
        False,
        False,
        "parsed",
        {"qualifier_sections": "", "enhancements": "CA:PC:186.22(b)(4)"},
    ),
    (
        "246/186.22(B)(4) PC",
        "OFFENSE_DESCR",
        "CA:PC:246",
        False,
        False,
        "parsed",
        {"qualifier_sections": "", "enhancements": "CA:PC:186.22(b)(4)"},
    ),
    ("--40508 VC--", "OFFENSE_DESCR", "CA:VC:40508", False, False, "parsed", {}),
    ("/11357 HS", "OFFENSE_DESCR", "CA:HS:11357", False, False, "parsed", {}),
    # other offenses the rules look at (superstrikes, PC 290, related charges)
    ("187 PC-MURDER", "OFFENSE_DESCR", "CA:PC:187", False, False, "parsed", {}),
    ("664/187 PC", "OFFENSE_DESCR", "CA:PC:187", True, False, "parsed", {}),
    ("288(A) PC", "OFFENSE_DESCR", "CA:PC:288(a)", False, False, "parsed", {}),
    ("261(A)(2) PC", "OFFENSE_DESCR", "CA:PC:261(a)(2)", False, False, "parsed", {}),
    ("23152(A) VC", "OFFENSE_DESCR", "CA:VC:23152(a)", False, False, "parsed", {}),
    (
        "4149 BP - UNLICENSED SALE OF NEEDLES",
        "OFFENSE_DESCR",
        "CA:BP:4149",
        False,
        False,
        "parsed",
        {"code_token": "4149 BP"},
    ),
    ("148(A)(1) PC", "OFFENSE_DESCR", "CA:PC:148(a)(1)", False, False, "parsed", {}),
    (
        "290 PC-REGISTRATION OF SEX OFFENDER",
        "OFFENSE_DESCR",
        "CA:PC:290",
        False,
        False,
        "parsed",
        {},
    ),
    # 9.1 P10: OFFENSE_DESCR is SEE COMMENT FOR CHARGE, the charge is in COMMENT_TEXT
    ("11358 HS-CULTIVATE CANNABIS", "COMMENT_TEXT", "CA:HS:11358", False, False, "parsed", {}),
    # no section at all
    (
        "POSSESS MARIJUANA",
        "OFFENSE_DESCR",
        None,
        False,
        False,
        "unparsed",
        {"section_key": None, "parse_method": "unparsed"},
    ),
]


def _insert_variants(warehouse: Path) -> None:
    """raw.doj_extract as the ingest writes it (95 VARCHAR columns + lineage), one row a variant."""
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create schema raw")
        columns = ", ".join(f'"{name}" varchar' for name in COLUMNS)
        con.execute(
            f"create table raw.doj_extract ({columns}, "
            "source_file varchar, source_line bigint, source_sha256 varchar)"
        )
        # the canonical charges table exists (empty): the normalizer reads both sources
        canonical = ", ".join(f"{c} varchar" for c in CANONICAL_TABLES["charges"].columns)
        con.execute(
            f"create table raw.canonical_charges ({canonical}, source_extract varchar, "
            "source_file varchar, source_line bigint, source_sha256 varchar)"
        )
        # rules.code_inference as the rulebook asset writes it, from the real table(s)
        import polars as pl

        rows = [r for t in load_code_inference(RULES_DIR) for r in compile_code_inference(t)]
        code_inference = pl.DataFrame(rows, schema=RULE_TABLES["code_inference"], orient="row")
        con.execute("create schema rules")
        con.register("code_inference_frame", code_inference.to_arrow())
        con.execute("create table rules.code_inference as select * from code_inference_frame")
        for line, (text, column, *_rest) in enumerate(VARIANTS, start=1):
            offense_descr = text if column == "OFFENSE_DESCR" else "SEE COMMENT FOR CHARGE"
            comment_text = text if column == "COMMENT_TEXT" else None
            con.execute(
                'insert into raw.doj_extract ("OFFENSE_DESCR", "COMMENT_TEXT", "DISP_DESCR", '
                "source_file, source_line, source_sha256) values (?, ?, ?, ?, ?, ?)",
                [offense_descr, comment_text, "CONVICTED", "variants.csv", line, "0" * 64],
            )
    finally:
        con.close()


@pytest.fixture(scope="module")
def normalized(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, Any]]]:
    """Build stg_doj__events + int_charge_codes_normalized once; rows keyed by offense_text."""
    tmp = tmp_path_factory.mktemp("charge_normalizer")
    warehouse = tmp / "warehouse.duckdb"
    _insert_variants(warehouse)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CLEANSLATE_WAREHOUSE", str(warehouse))
        mp.setenv("DBT_TARGET", "dev")
        result = dbtRunner().invoke(
            [
                "build",
                "--select",
                "stg_doj__events",
                "stg_canonical__charges",
                "stg_rules__code_inference",
                "int_charge_codes_normalized",
                # only tests wholly about these models: the conservation tests read models
                # this small warehouse does not build
                "--indirect-selection",
                "cautious",
                "--project-dir",
                str(DBT_PROJECT_DIR),
                "--profiles-dir",
                str(DBT_PROJECT_DIR),
                "--target-path",
                str(tmp / "target"),
                "--log-path",
                str(tmp / "logs"),
            ]
        )
        assert result.success, f"dbt build failed: {result.exception or result.result}"
        # Same process as dbt-duckdb: open with the default configuration (no read_only).
        con = duckdb.connect(str(warehouse))
        try:
            cursor = con.execute("select * from main.int_charge_codes_normalized")
            names = [d[0] for d in cursor.description]
            rows = {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
        finally:
            con.close()
    yield rows


def test_one_row_per_distinct_text(normalized: dict[str, dict[str, Any]]) -> None:
    assert sorted(normalized) == sorted(text for text, *_ in VARIANTS)


@pytest.mark.parametrize(
    ("text", "column", "statute", "is_attempt", "is_conspiracy", "parse_status", "extra"),
    VARIANTS,
    ids=[f"{v[0]}" for v in VARIANTS],
)
def test_variant(
    normalized: dict[str, dict[str, Any]],
    text: str,
    column: str,
    statute: str | None,
    is_attempt: bool,
    is_conspiracy: bool,
    parse_status: str,
    extra: dict[str, Any],
) -> None:
    row = normalized[text]
    actual = {
        "statute": row["statute"],
        "is_attempt": row["is_attempt"],
        "is_conspiracy": row["is_conspiracy"],
        "parse_status": row["parse_status"],
        **{key: row[key] for key in extra},
    }
    expected = {
        "statute": statute,
        "is_attempt": is_attempt,
        "is_conspiracy": is_conspiracy,
        "parse_status": parse_status,
        **extra,
    }
    assert actual == expected, f"{text!r} (from {column}): {row}"
