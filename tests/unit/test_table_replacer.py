"""The warehouse's loader (engines.TableReplacer through Warehouse.replacing): frames held back
in memory or in its spool folder come out as the same rows, in the same order and types, as
frames written at once; all or nothing; the spool is the loader's own and gone afterwards."""

from datetime import date

import polars as pl
import pytest

from orchestration import engines
from orchestration.resources import Warehouse


def _chunk(start: int, rows: int) -> pl.DataFrame:
    n = pl.int_range(start, start + rows, eager=True)
    return pl.DataFrame(
        {
            "line": n,
            "text": n.cast(pl.String).str.pad_start(8, "0"),
            "maybe": pl.Series([None if i % 3 else f"v{i}" for i in range(start, start + rows)]),
            "day": pl.Series([date(2020, 1, 1)] * rows),
            "flag": n % 2 == 0,
            "small": n.cast(pl.Int32),
        }
    )


def _table(warehouse: Warehouse, name: str) -> tuple[list, pl.DataFrame]:
    with warehouse.connect(read_only=True) as con:
        types = con.execute(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = 'raw' and table_name = ? order by ordinal_position",
            [name],
        ).fetchall()
        rows = con.execute(f"select * from raw.{name}").pl()  # insertion order
    return types, rows


@pytest.mark.parametrize("spool_bytes", [1, 10**12], ids=["spooled to files", "held in memory"])
def test_held_back_writes_give_the_rows_and_types_of_direct_writes(
    tmp_path, monkeypatch, spool_bytes
):
    monkeypatch.setattr(engines, "SPOOL_BYTES", spool_bytes)
    chunks = [_chunk(0, 5_000), _chunk(5_000, 0), _chunk(5_000, 7_000), _chunk(12_000, 3)]
    tmp_path = tmp_path / "O'Brien's files"  # a quote in the folder's name: the spool's SQL
    tmp_path.mkdir()
    direct = Warehouse(path=str(tmp_path / "direct.duckdb"))
    with direct.connect() as con:
        loader = engines.TableReplacer(con)  # no spool: every write goes in at once
        for c in chunks:
            loader.write("raw", "t", c)
    held = Warehouse(path=str(tmp_path / "held.duckdb"))
    with held.replacing() as tables:
        for c in chunks:
            tables.write("raw", "t", c)
        spooled = list(tmp_path.glob(".held.duckdb.spool-*/*.parquet"))
        assert bool(spooled) == (spool_bytes == 1)
        # SQL in the transaction sees every row written so far
        assert tables.connection().execute("select count(*) from raw.t").fetchone()[0] == 12_003
        tables.write("raw", "t", _chunk(12_003, 2))  # after a flush: appended
    assert tables.counts == {"raw.t": 12_005}
    direct_types, direct_rows = _table(direct, "t")
    held_types, held_rows = _table(held, "t")
    assert held_types == direct_types
    assert held_rows.head(12_003).equals(direct_rows)
    assert held_rows["line"].to_list() == list(range(12_005))
    assert not list(tmp_path.glob(".held.duckdb.spool-*"))  # the spool is gone


def test_a_failed_load_leaves_the_tables_as_they_were_and_no_spool(tmp_path, monkeypatch):
    monkeypatch.setattr(engines, "SPOOL_BYTES", 1)
    warehouse = Warehouse(path=str(tmp_path / "w.duckdb"))
    with warehouse.replacing() as tables:
        tables.write("raw", "t", _chunk(0, 10))
    with pytest.raises(RuntimeError), warehouse.replacing() as tables:
        tables.write("raw", "t", _chunk(0, 20_000))
        tables.write("raw", "t", _chunk(20_000, 20_000))
        raise RuntimeError("the extract stopped half way")
    _, rows = _table(warehouse, "t")
    assert rows.height == 10
    assert not list(tmp_path.glob(".w.duckdb.spool-*"))


def test_a_spool_left_by_a_killed_load_is_cleared_by_the_next(tmp_path):
    warehouse = Warehouse(path=str(tmp_path / "w.duckdb"))
    left = tmp_path / ".w.duckdb.spool-abc123"
    left.mkdir()
    (left / "part-000001.parquet").write_bytes(b"records")
    users = tmp_path / "notes.txt"  # not ours: stays
    users.write_text("mine")
    # a folder under a spool's name holding a file that is no part: only the part goes
    odd = tmp_path / ".w.duckdb.spool-def456"
    odd.mkdir()
    (odd / "part-000001.parquet").write_bytes(b"records")
    (odd / "notes.txt").write_text("mine too")
    with warehouse.replacing() as tables:
        tables.write("raw", "t", _chunk(0, 3))
    assert not left.exists()
    assert users.read_text() == "mine"
    assert [p.name for p in odd.iterdir()] == ["notes.txt"]
