"""County export files: filtering, summaries, atomic owner-only writes."""

import json
import os
from pathlib import Path

import polars as pl
import pytest

from orchestration.exports.writers import (
    atomic_file,
    normalize_county,
    summarize,
    write_county_summary,
)


def _decisions() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "subject_id": ["1", "1", "2", "3", "4"],
            "cnt_order": [
                "101002001000",
                "102002001000",
                "101002001000",
                "101002001000",
                "101002001000",
            ],
            "program": ["us_ca_prop64"] * 5,
            "charge_ref": ["c1", "c2", "c3", "c4", "c5"],
            "county": ["SAN JOAQUIN", "san  joaquin", "YOLO", "SAN JOAQUIN", None],
            "section": ["11357", "11360", "11358", "11359", "11357"],
            "determination": ["eligible", "needs_review", "eligible", "not_eligible", "eligible"],
            "relief": ["dismiss", None, "reduce", None, "dismiss"],
            "reason_codes": ["a", "b", "c", "d", "a"],
            "as_of": ["2025-07-01"] * 5,
            "rules_version": ["v"] * 5,
        }
    )


@pytest.mark.parametrize("raw", ["San Joaquin", " SAN   JOAQUIN ", "san joaquin"])
def test_county_names_compare_case_and_space_insensitively(raw):
    assert normalize_county(raw) == "SAN JOAQUIN"


def test_summary_counts():
    s = summarize(_decisions().filter(pl.col("subject_id") == "1"), "SAN JOAQUIN")
    assert s["by_determination"] == {"eligible": 1, "needs_review": 1}
    assert s["by_relief"] == {"dismiss": 1, "none": 1}
    assert s["by_section"] == {"11357": 1, "11360": 1}
    assert (s["subjects"], s["subjects_with_relief"], s["subjects_needing_review"]) == (1, 1, 1)


def test_a_county_summary_is_owner_only_and_counts_the_unread_texts(tmp_path):
    rows = _decisions().filter(pl.col("county") == "YOLO")
    path = tmp_path / "YOLO" / "summary.json"
    written = write_county_summary(path, rows, "YOLO", {"YOLO": 2, "ALPINE": 1})
    assert json.loads(path.read_text()) == written
    assert (written["convictions"], written["unread_offense_texts"]) == (1, 2)
    for p in [path.parent, path]:
        assert p.stat().st_mode & 0o077 == 0


def test_a_failed_write_leaves_no_file(tmp_path):
    target = tmp_path / "f.csv"
    with pytest.raises(RuntimeError), atomic_file(target) as f:
        f.write("partial")
        raise RuntimeError("disk full")
    assert not target.exists()
    assert os.listdir(tmp_path) == []


def test_a_completed_write_replaces_the_old_file(tmp_path: Path):
    target = tmp_path / "f.csv"
    target.write_text("old")
    with atomic_file(target) as f:
        f.write("new")
    assert target.read_text() == "new"


def test_the_county_order_is_the_same_in_polars_and_in_sql():
    """The county file is sorted by the warehouse (county_order_sql), its summary by polars
    (county_order): one COUNTY_ORDER, missing values first, the charge breaking ties."""
    import duckdb

    from orchestration.exports.writers import COUNTY_ORDER, county_order, county_order_sql

    rows = pl.DataFrame(
        {
            "subject_id": ["2", None, "1", "1", "1", "1"],
            "cnt_order": ["1", "1", None, "2", "1", "1"],
            "program": ["p"] * 6,
            "charge_ref": ["a", "b", "c", "d", "f", "e"],
        }
    )
    con = duckdb.connect()
    con.register("d", rows.to_arrow())
    by_sql = con.execute(f"select * from d order by {county_order_sql('d')}").pl()
    assert county_order(rows).equals(by_sql)
    assert by_sql["charge_ref"].to_list() == ["b", "c", "e", "f", "d", "a"]
    assert COUNTY_ORDER[-1] == "charge_ref"
