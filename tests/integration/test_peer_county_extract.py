"""A DOJ-format extract the project did not shape to its own parser (issue 14).

tests/fixtures/peer_county_doj.py writes 211 records for 70 people from the format document
alone (placeholders in every empty column, code-less and mixed-case offense texts, the SEE
COMMENT FOR CHARGE form, partial dates, dismissed / acquitted counts, arrests without a
disposition, several counts per case, five counties), with the expected decisions worked out
by hand from the law document. One run of the CLI as of 2026-06-30 with default county options;
each test lists every record whose decision differs from the hand expectation.

`--max-unread-share 0.15`: the fixture concentrates the hard cases, so 11 of its 98
conviction records (10 code-less texts and one SEE COMMENT without a comment) read to no statute
before code inference: 11.2%, over the 5% default of the run gate, which is meant for real
extracts and is tested elsewhere (test_gates.py). Once code inference lands, 4 of 98 remain.

Mismatches on branch i14-c (95ce238), left failing on purpose (no xfail):
* pending rule changes of issue 14: 6 code-less marijuana/cannabis/hashish texts still
  needs_review for a missing code (70000111, -113, -120, -121, -157, -165); 4 offenses before
  11/9/2016 convicted after it still not_eligible (70000130, -131, -132, -170);
* defects: a conviction with no readable charge text gets no Prop 64 decision at all instead of
  needs_review (70000151); under PC 851.93 the arrest step's own count (no disposition) blocks
  an arrest whose court count was dismissed or acquitted (70000142, 70000143).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from orchestration.cli import app
from tests.fixtures import peer_county_doj as fx

pytestmark = pytest.mark.integration

FILE = "peer_county.csv"


@pytest.fixture(scope="module")
def peer_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("peer_county")
    extract = fx.write(tmp / FILE)
    args = [
        "run",
        "--extract", str(extract),
        "--as-of", fx.AS_OF,
        "--out", str(tmp / "out"),
        "--warehouse", str(tmp / "wh.duckdb"),
        "--max-unread-share", "0.15",
    ]  # fmt: skip
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return tmp / "wh.duckdb"


def _query(db: Path, sql: str) -> list[dict]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()


def _decisions(db: Path, program: str) -> dict[tuple[str, str], dict]:
    rows = _query(
        db,
        "select subject_id, cnt_order, offense_raw, determination, relief, eligible_on, "
        "decisive_rule, reasons, missing_facts, facts "
        f"from fct_decisions where program = '{program}' and source_file = '{FILE}'",
    )
    return {(r["subject_id"], r["cnt_order"]): r for r in rows}


def _differences(exp: fx.Expect, got: dict | None) -> list[str]:
    if got is None:
        return ["no decision"]
    out = []
    if got["determination"] != exp.determination:
        out.append(f"determination {got['determination']!r}, expected {exp.determination!r}")
    elif exp.relief is not None and got["relief"] != exp.relief:
        out.append(f"relief {got['relief']!r}, expected {exp.relief!r}")
    if exp.word and got["determination"] == exp.determination:
        words = (exp.word,) if isinstance(exp.word, str) else exp.word
        text = f"{got['reasons']} {got['missing_facts']}".lower()
        if not any(w.lower() in text for w in words):
            out.append(f"reason does not name {' / '.join(words)!r}")
    if exp.eligible_on and str(got["eligible_on"]) != exp.eligible_on:
        out.append(f"eligible_on {got['eligible_on']}, expected {exp.eligible_on}")
    if exp.code_inferred and "code_inferred" not in str(got["facts"]):
        out.append("facts do not note code_inferred")
    return out


def _report(program: str, db: Path, *, complete: bool) -> list[str]:
    """One line per record whose decision is not the hand-written one. `complete`: every
    decision of the program must be expected (no decision on a record the law leaves out)."""
    expected = {(s, c): e for (p, s, c), e in fx.expectations().items() if p == program}
    got = _decisions(db, program)
    lines = []
    for key, exp in sorted(expected.items()):
        diffs = _differences(exp, got.get(key))
        if diffs:
            g = got.get(key) or {}
            lines.append(
                f"{key[0]} {key[1]} {g.get('offense_raw')!r}: {'; '.join(diffs)} "
                f"[got rule {g.get('decisive_rule')}: {g.get('reasons')!r}] "
                f"-- expected because: {exp.why}"
            )
    if complete:
        for key in sorted(set(got) - set(expected)):
            g = got[key]
            lines.append(
                f"{key[0]} {key[1]} {g['offense_raw']!r}: unexpected {program} decision "
                f"{g['determination']} ({g['decisive_rule']}: {g['reasons']!r})"
            )
    return lines


def test_every_record_is_staged_or_rejected_and_none_is_dropped(peer_run):
    rows = fx.rows()
    (files,) = _query(peer_run, f"select * from raw.doj_files where source_file = '{FILE}'")
    assert files["input_records"] == len(rows) >= 200
    assert files["staged"] + files["rejected"] == files["input_records"]
    assert files["rejected"] == 0, _query(peer_run, "select * from raw.doj_rejects")
    (raw,) = _query(
        peer_run,
        "select count(*) as n, count(distinct source_line) as lines from raw.doj_extract "
        f"where source_file = '{FILE}'",
    )
    assert raw == {"n": len(rows), "lines": len(rows)}
    (stg,) = _query(
        peer_run, f"select count(*) as n from stg_doj__events where source_file = '{FILE}'"
    )
    assert stg["n"] == len(rows)
    # Every record reaches the warehouse: a count (one charge per subject and CNT_ORDER, its
    # sentence rows folded in), a REGISTRATION step (a registration) or a DECEASED step (the
    # person's deceased flag), each traceable to its line.
    records = fx._records()
    kind = {(sid, cnt): rec["STP_TYPE_DESCR"] for sid, cnt, rec in records}
    charges = _query(
        peer_run,
        "select subject_id, cnt_order, record_count from int_charges_assembled "
        f"where source_file = '{FILE}'",
    )
    want = {k for k, t in kind.items() if t not in ("REGISTRATION", "DECEASED")}
    assert {(c["subject_id"], c["cnt_order"]) for c in charges} == want
    registrations = _query(
        peer_run,
        "select person_key from int_registrations_unioned "
        f"where registration_type = 'sex_offender' and source_ref like '{FILE}:%'",
    )
    assert sorted(r["person_key"] for r in registrations) == sorted(
        f"doj:{sid}" for (sid, _), t in kind.items() if t == "REGISTRATION"
    )
    deceased = _query(
        peer_run,
        f"select subject_id from int_persons_unioned where deceased_source like '{FILE}:%'",
    )
    assert sorted(d["subject_id"] for d in deceased) == sorted(
        sid for (sid, _), t in kind.items() if t == "DECEASED"
    )
    assert sum(c["record_count"] for c in charges) + len(registrations) + len(deceased) == len(rows)


def test_prop64_decisions_match_the_hand_expectations(peer_run):
    lines = _report(fx.P64, peer_run, complete=True)
    assert not lines, f"{len(lines)} Prop 64 mismatches:\n" + "\n".join(lines)


def test_pc_1203_425_decisions_match_the_hand_expectations(peer_run):
    lines = _report(fx.P1203, peer_run, complete=False)
    assert not lines, f"{len(lines)} PC 1203.425 mismatches:\n" + "\n".join(lines)


def test_pc_851_93_decisions_match_the_hand_expectations(peer_run):
    lines = _report(fx.P851, peer_run, complete=False)
    assert not lines, f"{len(lines)} PC 851.93 mismatches:\n" + "\n".join(lines)


def test_the_fixture_is_what_the_issue_asks_for():
    rows = fx.rows()
    assert len(rows) >= 200 and 40 <= len(fx.PEOPLE) <= 70
    assert all(len(r) == 95 for r in rows)
    cells = [v for r in rows for v in r]
    assert "" not in cells  # every empty column holds a placeholder
    assert {v for v in cells if v.strip(" -") == ""} == set(fx.PLACEHOLDERS)
    texts = {r[fx.COLUMNS.index("OFFENSE_DESCR")] for r in rows}
    assert any(t.lower() == "see comment for charge" and t != t.upper() for t in texts)
    assert "11360(B) SELL/FURNISH/ETC MARIJUANA/HASH" in texts
