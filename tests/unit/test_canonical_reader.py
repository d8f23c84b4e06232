"""Canonical extract folders: every row staged or rejected with its line; headers checked."""

import csv
from pathlib import Path

import polars as pl
import pytest

from orchestration.ingest.canonical_format import TABLES
from orchestration.ingest.canonical_reader import CanonicalFormatError, read_extract_folder
from orchestration.ingest.recount import count_input_records


def _write(folder: Path, table: str, rows: list[dict], header: list[str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{table}.csv"
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=header or list(TABLES[table].columns), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return path


def _read(folder: Path):
    staged: dict[str, list[pl.DataFrame]] = {}
    rejects, stats = [], {}
    for name, s, r, st in read_extract_folder(folder):
        staged.setdefault(name, []).append(s)
        rejects.append(r)
        stats[name] = st
    return {k: pl.concat(v) for k, v in staged.items()}, pl.concat(rejects), stats


def test_rows_are_staged_or_rejected_with_their_line(tmp_path):
    folder = tmp_path / "ut1"
    _write(
        folder, "persons", [{"person_id": "P1", "state": "UT"}, {"person_id": "", "state": "UT"}]
    )
    path = _write(
        folder,
        "charges",
        [
            {"charge_id": "c1", "person_id": "P1", "statute": "76-6-602", "level": "misdemeanor"},
            {"charge_id": "c2", "person_id": "P1", "statute": ""},
        ],
    )
    with path.open("a") as f:
        f.write("c3,P1\n")  # 2 fields instead of 12
    staged, rejects, stats = _read(folder)
    assert staged["persons"]["person_id"].to_list() == ["P1"]
    assert staged["charges"]["charge_id"].to_list() == ["c1"]
    assert staged["charges"]["source_line"].to_list() == [2]
    assert staged["charges"]["grade"].to_list() == [None]  # blank = unknown
    got = {(r["table_name"], r["source_line"]): r["error"] for r in rejects.iter_rows(named=True)}
    assert got == {
        ("persons", 3): "missing required value: person_id",
        ("charges", 3): "missing required value: statute",
        ("charges", 4): "wrong number of fields: 2 (expected 12)",
    }
    assert stats["charges"].input_records == count_input_records(path, header=True).records == 3
    assert not stats["supervision"].present and stats["supervision"].input_records == 0


def test_parquet_tables_read_the_same(tmp_path):
    folder = tmp_path / "pa1"
    _write(folder, "persons", [{"person_id": "P1", "state": "PA"}])
    pl.DataFrame(
        {"charge_id": ["c1"], "person_id": ["P1"], "statute": ["18 § 3929"]}
    ).write_parquet(folder / "charges.parquet")
    staged, rejects, _ = _read(folder)
    assert staged["charges"]["statute"].to_list() == ["18 § 3929"]
    assert staged["charges"]["source_line"].to_list() == [1]
    assert rejects.height == 0


def test_a_wrong_header_is_a_clear_error(tmp_path):
    folder = tmp_path / "bad"
    _write(folder, "persons", [{"person_id": "P1", "state": "CA"}])
    _write(
        folder,
        "charges",
        [{"charge_id": "c1", "person_id": "P1", "statue": "x"}],
        header=["charge_id", "person_id", "statue"],
    )
    with pytest.raises(CanonicalFormatError, match="missing: statute; unknown: statue"):
        _read(folder)


def test_a_folder_without_persons_is_not_an_extract(tmp_path):
    with pytest.raises(CanonicalFormatError, match="not a canonical extract"):
        _read(tmp_path)


@pytest.mark.parametrize("placeholder", ["-", "  -  ", "--", "N/A", "null", "#N/A", "\t- -\t"])
def test_a_placeholder_required_value_is_missing(tmp_path, placeholder):
    folder = tmp_path / "ut1"
    _write(
        folder,
        "persons",
        [{"person_id": "P1", "state": "UT"}, {"person_id": placeholder, "state": "UT"}],
    )
    _write(
        folder,
        "charges",
        [{"charge_id": "c1", "person_id": "P1", "statute": placeholder, "level": "misdemeanor"}],
    )
    staged, rejects, _ = _read(folder)
    assert staged["persons"]["person_id"].to_list() == ["P1"]
    got = {(r["table_name"], r["source_line"]): r["error"] for r in rejects.iter_rows(named=True)}
    assert got == {
        ("persons", 3): "missing required value: person_id",
        ("charges", 2): "missing required value: statute",
    }


def test_the_placeholder_pattern_is_the_one_dbt_uses():
    """macros/cleaning.sql and the reader must call the same cells placeholders."""
    import re

    from orchestration.ingest.canonical_reader import PLACEHOLDER_PATTERN
    from orchestration.lib.settings import PROJECT_ROOT

    macro = (PROJECT_ROOT / "dbt_project" / "macros" / "cleaning.sql").read_text()
    sql = re.search(r"macro placeholder_pattern\(\) -%\}\n(.+)\n\{%- endmacro", macro)
    assert sql is not None
    assert sql.group(1) == PLACEHOLDER_PATTERN
    for kept in ["11360(A) HS-GIVE", "-5", "NA", "N/A1", "0"]:
        assert not re.match(PLACEHOLDER_PATTERN, kept)
