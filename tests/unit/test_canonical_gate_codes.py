"""The canonical extract's GE gate reads codes as staging does: letter case and placeholders are
no reason to stop a run (the format says codes are case-insensitive and placeholders blank);
a value outside the vocabulary still is."""

import duckdb
import pytest

from orchestration.quality.checks import ge_canonical_extract
from orchestration.resources import Warehouse


def _warehouse(tmp_path, dispositions: list[str | None], levels: list[str | None]) -> Warehouse:
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema raw")
    con.execute(
        "create table raw.canonical_charges (source_extract varchar, source_file varchar,"
        " source_line bigint, charge_id varchar, person_id varchar, statute varchar,"
        " level varchar, grade varchar)"
    )
    con.execute(
        "create table raw.canonical_dispositions (source_extract varchar, charge_id varchar,"
        " disposition varchar, disposition_date varchar)"
    )
    for i, (disposition, level) in enumerate(zip(dispositions, levels, strict=True), start=1):
        con.execute(
            "insert into raw.canonical_charges values ('x', 'charges.csv', ?, ?, 'p1',"
            " '76-10-1', ?, ' m1 ')",
            [i + 1, f"c{i}", level],
        )
        con.execute(
            "insert into raw.canonical_dispositions values ('x', ?, ?, '2015-03-01')",
            [f"c{i}", disposition],
        )
    con.close()
    return Warehouse(path=str(path))


def test_letter_case_spaces_and_placeholders_pass(tmp_path):
    wh = _warehouse(
        tmp_path,
        dispositions=["Convicted", " DISMISSED ", "N/A", "--", None, "Pardoned"],
        levels=["Misdemeanor", "FELONY ", "#N/A", "null", None, ""],
    )
    result = ge_canonical_extract(warehouse=wh)
    assert result.passed, result.description


@pytest.mark.parametrize(
    ("dispositions", "levels"),
    [(["convictd"], ["misdemeanor"]), (["convicted"], ["misdemeaner"])],
)
def test_a_value_outside_the_vocabulary_still_stops_the_run(tmp_path, dispositions, levels):
    result = ge_canonical_extract(warehouse=_warehouse(tmp_path, dispositions, levels))
    assert not result.passed


def test_the_suite_lets_go_of_its_pandas_copy(tmp_path):
    """GX keeps its context and the batch it validated: the suite's pandas copy of a frame (the
    decision table's, at statewide size) must not stay alive through the stages after it."""
    import gc

    import pandas as pd

    wh = _warehouse(tmp_path, dispositions=["convicted"] * 3, levels=["felony"] * 3)
    assert ge_canonical_extract(warehouse=wh).passed
    gc.collect()  # what a large run's collector.release() does after the suite
    held = [
        o
        for o in gc.get_objects()
        if isinstance(o, pd.DataFrame) and {"charge_id", "disposition"} <= set(o.columns)
    ]
    assert held == []
