"""Same answers: is the complete decision table of this checkout identical to another revision's?

    .venv/bin/python scripts/same_answers.py [--base REV] [--sets demo,100k] [--keep DIR]

For each data set (the demo's four extracts with its supervision file, and the benchmark's
100,000-row DOJ extract, seed 11), runs `cleanslate run` on a fresh warehouse with the code of
REV (a throwaway `git worktree`) and with this checkout, writes each decision table
(`fct_decisions`, named `fct_conviction_eligibility` before issue 15; every column but
timestamps) to Parquet, and compares them as
multisets of rows (EXCEPT ALL both ways). Prints the differing rows per column and exits 1 when
any row differs. A rule-engine change that should not change an answer (issue 15) is checked
with it; a change that should is explained row by row.

Generated inputs and the base revision's tables are cached under --keep (default
data/same_answers), keyed by the revision, so a second check only re-runs this checkout.
"""

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
AS_OF = "2025-07-01"
# Same decisions, whatever the run's clock: the columns that record when, not what.
TIMESTAMP_TYPES = ("TIMESTAMP", "TIMESTAMP WITH TIME ZONE")


def sh(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
    r = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stdout[-4000:] + r.stderr[-4000:])
        raise SystemExit(f"failed ({r.returncode}): {' '.join(args)}")


def inputs(keep: Path, name: str) -> list[str]:
    """A data set's run arguments; its files are generated once, by this checkout's generator."""
    d = keep / "inputs" / name
    gen = [str(BIN / "python"), "-m", "devtools.generate"]  # from ROOT: devtools is beside it
    if name == "demo":
        # the Makefile's demo recipe, not a copy of it: its inputs and its run options
        make = ["make", "-s", "--no-print-directory", "-o", ".venv/.installed", f"DEMO_DIR={d}"]
        if not (d / "done").exists():
            sh([*make, "demo-inputs"], ROOT)
            (d / "done").touch()
        out = subprocess.run([*make, "demo-run-args"], cwd=ROOT, check=True, capture_output=True)
        return shlex.split(out.stdout.decode())
    if name == "100k":
        if not (d / "done").exists():
            d.mkdir(parents=True, exist_ok=True)
            sh([*gen, "--rows", "100000", "--seed", "11", "--out", str(d / "extract.csv")], ROOT)
            (d / "done").touch()
        return ["--extract", str(d / "extract.csv")]
    raise SystemExit(f"unknown data set {name!r} (demo, 100k)")


def decisions(checkout: Path, args: list[str], out: Path) -> Path:
    """Run the job with `checkout`'s code on a fresh warehouse; its decision table as Parquet."""
    with tempfile.TemporaryDirectory(prefix="same-answers-") as tmp:
        t = Path(tmp)
        env = {**os.environ, "PYTHONPATH": str(checkout), "DAGSTER_HOME": str(t / "dagster")}
        (t / "dagster").mkdir()
        sh(
            [str(BIN / "dbt"), "parse", "--quiet", "--profiles-dir", ".", "--project-dir", "."],
            checkout / "dbt_project",
            env,
        )
        sh(
            [
                str(BIN / "cleanslate"),
                "run",
                "--as-of",
                AS_OF,
                "--out",
                str(t / "exports"),
                "--warehouse",
                str(t / "wh.duckdb"),
                *args,
            ],
            checkout,
            env,
        )
        con = duckdb.connect(str(t / "wh.duckdb"), read_only=True)
        table = _decision_table(con)
        cols = [
            c
            for c, typ in con.execute(
                "select column_name, data_type from information_schema.columns "
                f"where table_schema || '.' || table_name = '{table}' order by ordinal_position"
            ).fetchall()
            if typ not in TIMESTAMP_TYPES
        ]
        out.parent.mkdir(parents=True, exist_ok=True)
        con.execute(f"copy (select {', '.join(cols)} from {table}) to '{out}' (format parquet)")
        con.close()
    return out


def _decision_table(con: duckdb.DuckDBPyConnection) -> str:
    # The decision table's schema is named by the dbt target; find it.
    rows = con.execute(
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_name in ('fct_decisions', 'fct_conviction_eligibility')"
        " and table_type = 'BASE TABLE'"  # the old name is a view where the new one exists
    ).fetchall()
    if len(rows) != 1:
        raise SystemExit(f"expected one decision table, found {rows}")
    return rows[0][0]


def compare(base: Path, new: Path, label: str) -> int:
    con = duckdb.connect()
    b_cols = [r[0] for r in con.execute(f"describe select * from '{base}'").fetchall()]
    n_cols = [r[0] for r in con.execute(f"describe select * from '{new}'").fetchall()]
    if b_cols != n_cols:
        print(
            f"{label}: columns differ\n  only base: {sorted(set(b_cols) - set(n_cols))}\n"
            f"  only new:  {sorted(set(n_cols) - set(b_cols))}"
        )
        return 1

    def count(query: str) -> int:
        return con.execute(f"select count(*) from ({query})").fetchone()[0]

    nb = count(f"from '{base}'")
    nn = count(f"from '{new}'")
    gone = count(f"from '{base}' except all from '{new}'")
    added = count(f"from '{new}' except all from '{base}'")
    print(f"{label}: base {nb:,} rows, new {nn:,} rows; only in base {gone:,}, new {added:,}")
    if not gone and not added:
        return 0
    # Which columns differ, pairing rows by decision id.
    for c in b_cols:
        if c == "decision_id":
            continue
        n = con.execute(
            f"select count(*) from '{base}' b join '{new}' n using (decision_id) "
            f"where b.{c} is distinct from n.{c}"
        ).fetchone()[0]
        if n:
            ex = con.execute(
                f"select b.{c}, n.{c} from '{base}' b join '{new}' n using (decision_id) "
                f"where b.{c} is distinct from n.{c} limit 2"
            ).fetchall()
            print(f"  {c}: {n:,} differ, e.g. {ex}")
    return 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", default="HEAD", help="revision to compare with (default HEAD)")
    ap.add_argument("--sets", default="demo,100k", help="data sets: demo, 100k")
    ap.add_argument("--keep", type=Path, default=ROOT / "data" / "same_answers")
    a = ap.parse_args()
    rev = subprocess.run(
        ["git", "rev-parse", a.base], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    keep = a.keep.resolve()
    failed = 0
    for name in a.sets.split(","):
        args = inputs(keep, name)
        base = keep / "base" / rev[:12] / f"{name}.parquet"
        if not base.exists():
            wt = Path(tempfile.mkdtemp(prefix="same-answers-base-"))
            shutil.rmtree(wt)
            sh(["git", "worktree", "add", "--detach", str(wt), rev], ROOT)
            try:
                print(f"{name}: deciding with {rev[:12]} ...", flush=True)
                decisions(wt, args, base)
            finally:
                sh(["git", "worktree", "remove", "--force", str(wt)], ROOT)
        print(f"{name}: deciding with this checkout ...", flush=True)
        new = decisions(ROOT, args, keep / "new" / f"{name}.parquet")
        failed |= compare(base, new, name)
    raise SystemExit(failed)


if __name__ == "__main__":
    main()
