"""`make reliability`: the reliability tests' figures as one table.

Reliability tests mark themselves with pytest's `record_property`:
    record_property("reliability", "crash")       # corpus | property | crash | concurrency |
                                                   # privacy | conservation | fail_closed
    record_property("inputs", 1)                   # inputs tried (files, generated examples)
    record_property("runs", 1)                     # pipeline runs made
    record_property("rows_lost", 0)                # input records neither staged nor quarantined
    record_property("wrong_published", 0)          # export sets published that should not be
tests/conftest.py writes one JSON line per such test to $CLEANSLATE_RELIABILITY_LOG; this
module sums them. A failed test counts its runs as not survived.
"""

import json
import sys
from collections import defaultdict
from pathlib import Path

KINDS = ("corpus", "property", "conservation", "crash", "concurrency", "privacy", "fail_closed")


def summarize(lines: list[dict]) -> dict[str, dict[str, int]]:
    table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in lines:
        row = table[r["reliability"]]
        row["tests"] += 1
        row["passed"] += r["outcome"] == "passed"
        row["inputs"] += int(r.get("inputs", 0))
        runs = int(r.get("runs", 0))
        row["runs"] += runs
        row["survived"] += runs if r["outcome"] == "passed" else 0
        row["rows_lost"] += int(r.get("rows_lost", 0))
        row["wrong_published"] += int(r.get("wrong_published", 0))
    return {k: dict(v) for k, v in table.items()}


def render(table: dict[str, dict[str, int]]) -> str:
    cols = ("tests", "passed", "inputs", "runs", "survived", "rows_lost", "wrong_published")
    head = [
        "kind",
        "tests",
        "passed",
        "inputs tried",
        "runs",
        "runs survived",
        "rows lost",
        "wrong exports published",
    ]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    total = dict.fromkeys(cols, 0)
    for kind in [k for k in KINDS if k in table] + sorted(set(table) - set(KINDS)):
        row = table[kind]
        out.append("| " + " | ".join([kind, *(str(row.get(c, 0)) for c in cols)]) + " |")
        for c in cols:
            total[c] += row.get(c, 0)
    out.append("| **all** | " + " | ".join(f"**{total[c]}**" for c in cols) + " |")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    path = Path(argv[0])
    lines = (
        [json.loads(x) for x in path.read_text().splitlines() if x.strip()] if path.exists() else []
    )
    table = summarize(lines)
    print(render(table))
    totals = {
        c: sum(r.get(c, 0) for r in table.values())
        for c in ("tests", "passed", "rows_lost", "wrong_published")
    }
    ok = (
        totals["tests"] == totals["passed"]
        and not totals["rows_lost"]
        and not totals["wrong_published"]
    )
    print("\nreliability: " + ("OK" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
