"""Helpers of the county files (file_kinds/county_*.py): county names and folders, the county
order, summary.json, and owner-only atomic writes.

Files are written to a temporary name in the target folder and renamed when complete, so a
reader never sees half a file; folders are 0700 and files 0600 (records are sensitive).
"""

import json
import os
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import polars as pl

CONVICTIONS_FILE = "prop64_convictions.csv"
SUMMARY_FILE = "summary.json"
NO_COUNTY = "_UNKNOWN_COUNTY"


def normalize_county(name: str) -> str:
    """Counties compare case- and space-insensitively: ' san  joaquin ' == 'SAN JOAQUIN'."""
    return " ".join(name.split()).upper()


def normalize_county_column(names: pl.Series) -> pl.Series:
    """normalize_county of every value (nulls stay null), computed once per distinct name: a
    statewide run has millions of rows and a few dozen counties."""
    names = names.cast(pl.String)
    distinct = names.drop_nulls().unique().to_list()
    return names.replace_strict(
        {n: normalize_county(n) for n in distinct}, default=None, return_dtype=pl.String
    )


def county_folder(county: str | None) -> str:
    if not county:
        return NO_COUNTY
    return re.sub(r"[^A-Z0-9 _-]", "_", county)


@contextmanager
def atomic_file(path: Path) -> Iterator[IO[str]]:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# what `summarize` reads of a county's rows, and what they are ordered by (COUNTY_ORDER)
SUMMARY_COLUMNS = (
    "subject_id", "cnt_order", "program", "charge_ref", "as_of", "rules_version",
    "determination", "relief", "section", "reason_codes",
)  # fmt: skip


def summarize(rows: pl.DataFrame, county: str | None) -> dict[str, Any]:
    """Counts by determination, relief, section and reason; people with relief."""

    def counts(col: str) -> dict[str, int]:
        c = Counter(v if v is not None else "none" for v in rows[col].to_list())
        return dict(sorted(c.items()))

    with_relief = rows.filter(pl.col("relief").is_not_null())
    return {
        "county": county,
        "program": "us_ca_prop64",
        "as_of": str(rows["as_of"][0]) if rows.height else None,
        "rules_version": rows["rules_version"][0] if rows.height else None,
        "convictions": rows.height,
        "by_determination": counts("determination"),
        "by_relief": counts("relief"),
        "by_section": counts("section"),
        "by_reason": counts("reason_codes"),
        "by_section_and_determination": {
            f"{s}|{d}": n
            for (s, d), n in sorted(
                Counter(
                    zip(rows["section"].to_list(), rows["determination"].to_list(), strict=True)
                ).items(),
                key=lambda kv: (str(kv[0][0]), kv[0][1]),
            )
        },
        "subjects": rows["subject_id"].n_unique(),
        "subjects_with_relief": with_relief["subject_id"].n_unique(),
        "subjects_needing_review": rows.filter(pl.col("determination") == "needs_review")[
            "subject_id"
        ].n_unique(),
    }


# A county's Prop 64 rows in the order its files list them: subject, count, law, missing values
# first, the charge breaking ties. One list for both sorts: polars here (county_order), SQL for
# the file written batch by batch from the warehouse (county_order_sql).
COUNTY_ORDER = ("subject_id", "cnt_order", "program", "charge_ref")


def county_order(rows: pl.DataFrame) -> pl.DataFrame:
    """A county's Prop 64 rows in the order its files list them (COUNTY_ORDER)."""
    return rows.sort(list(COUNTY_ORDER), nulls_last=False, maintain_order=True)


def county_order_sql(alias: str = "d") -> str:
    """COUNTY_ORDER as an SQL `order by` list over the rows `alias`."""
    return ", ".join(f"{alias}.{column} nulls first" for column in COUNTY_ORDER)


def write_county_summary(
    path: Path, rows: pl.DataFrame, county: str | None, unread: dict[str | None, int] | None
) -> dict[str, Any]:
    """One county's summary.json (`summarize`); `unread`: per normalized county, conviction
    records (any law) whose offense text reads to no statute, repeated in the file. Returns it."""
    summary = summarize(county_order(rows), county)
    if unread is not None:
        summary["unread_offense_texts"] = unread.get(county, 0)
    with atomic_file(path) as f:
        json.dump(summary, f, indent=2, sort_keys=False)
        f.write("\n")
    return summary
