"""The canonical conservation check: every file's rows recounted from the file, compared with the
rows staged from it plus the rows rejected from it (per table, extract and file)."""

import duckdb

from orchestration.ingest.canonical_assets import canonical_staged_plus_rejected_equals_input
from orchestration.resources import Warehouse


def _warehouse(tmp_path, staged: dict[tuple[str, str], int], rejected: dict[tuple[str, str], int]):
    """Two extracts (a, b), each a persons.csv of 3 rows and a charges.csv of 2 rows on disk;
    staged / rejected: rows in the warehouse per (extract, table)."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema raw")
    con.execute(
        "create table raw.canonical_files (table_name varchar, source_extract varchar,"
        " path varchar, present boolean)"
    )
    con.execute(
        "create table raw.canonical_rejects (source_extract varchar, source_file varchar,"
        " source_line bigint, table_name varchar, error varchar)"
    )
    for table, rows in (("persons", 3), ("charges", 2)):
        con.execute(
            f"create table raw.canonical_{table} (source_extract varchar, source_file varchar,"
            " source_line bigint)"
        )
        for extract in ("a", "b"):
            folder = tmp_path / extract
            folder.mkdir(exist_ok=True)
            path = folder / f"{table}.csv"
            path.write_text("id\n" + "".join(f"{i}\n" for i in range(rows)))
            con.execute(
                "insert into raw.canonical_files values (?, ?, ?, true)",
                [table, extract, str(path)],
            )
            for i in range(staged.get((extract, table), rows)):
                con.execute(
                    f"insert into raw.canonical_{table} values (?, ?, ?)",
                    [extract, path.name, i + 2],
                )
            for i in range(rejected.get((extract, table), 0)):
                con.execute(
                    "insert into raw.canonical_rejects values (?, ?, ?, ?, 'bad')",
                    [extract, path.name, 100 + i, table],
                )
    con.close()
    return Warehouse(path=str(tmp_path / "w.duckdb"))


def test_every_row_staged_or_rejected_passes(tmp_path):
    wh = _warehouse(tmp_path, staged={("b", "charges"): 1}, rejected={("b", "charges"): 1})
    result = canonical_staged_plus_rejected_equals_input(warehouse=wh)
    assert result.passed, result.description
    assert result.metadata["files"].value == 4


def test_a_row_lost_from_one_file_of_one_extract_is_named(tmp_path):
    wh = _warehouse(tmp_path, staged={("b", "persons"): 2}, rejected={})
    result = canonical_staged_plus_rejected_equals_input(warehouse=wh)
    assert not result.passed
    assert result.description == "b/persons.csv: 3 rows in the file, 2 staged + rejected"


def test_a_row_counted_twice_is_named_too(tmp_path):
    wh = _warehouse(tmp_path, staged={}, rejected={("a", "charges"): 1})
    result = canonical_staged_plus_rejected_equals_input(warehouse=wh)
    assert not result.passed
    assert result.description == "a/charges.csv: 2 rows in the file, 3 staged + rejected"
