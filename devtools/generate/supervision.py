"""Fabricated supervision file for the subjects of a (fabricated) CA DOJ extract.

`python -m devtools.generate --format supervision --extract EXTRACT.csv --seed S --out FILE`
reads the extract's subjects and convictions and writes a canonical `supervision` table
(docs/canonical-format.md: person_id, supervision_type, agency, start_date, end_date) keyed by
SUBJECT_ID or CII_NUMBER, as a Supervised Release File for those subjects would be:

* a conviction with probation gets a probation period (COUNTY) from the judgment, as long as
  the probation term the extract records;
* a prison conviction gets parole (DOC) or PRCS (COUNTY) after the prison term, 1-3 years;
* a felony county-jail conviction gets mandatory supervision (COUNTY) after the jail term in
  about a third of cases;
* about 1 in 12 periods that start in 2022 or later is still open (blank end: active).

Every subject of the extract is covered (the file lists all their supervision), so the demo
declares it complete (`cleanslate run --supervision-complete`). Hard cases: ~25% of rows keyed
by CII instead of SUBJECT_ID, lower-case or padded ids, placeholder agencies (`N/A`, `-`),
month-only dates, three rows whose person_id is no subject of the extract, and one with a
placeholder person_id and one with a blank one (both rejected at ingest).

Deterministic: one random.Random(seed); same extract and seed, same bytes. Written to
`<out>.tmp` and moved into place. Nothing real: ids come from the fabricated extract.
"""

from __future__ import annotations

import csv
import os
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from orchestration.ingest.canonical_format import TABLES
from orchestration.ingest.doj_format import COLUMNS

COLUMNS_OUT = TABLES["supervision"].columns
ACTIVE_FROM = date(2022, 1, 1)


@dataclass
class SupervisionStats:
    rows: int = 0
    subjects: int = 0
    by_cii: int = 0
    unmatched: int = 0
    open_periods: int = 0


def _date(text: str) -> date | None:
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8])) if len(text) == 8 else None
    except ValueError:
        return None


def _length_days(length: str, unit: str) -> int | None:
    if not length.isdigit():
        return None
    n = int(length)
    return {"D": n, "M": n * 30, "Y": n * 365}.get(unit)


def _convictions(extract: Path) -> dict[str, dict]:
    """subject id -> {cii, convictions: {cnt_order: facts}} in file order."""
    subjects: dict[str, dict] = {}
    with extract.open(newline="", encoding="utf-8", errors="replace") as fh:
        reader = csv.reader(fh)
        idx = {c: i for i, c in enumerate(COLUMNS)}
        for row in reader:
            if not row or row[0] == "RECORD_ID" or len(row) < len(COLUMNS):
                continue
            sid = row[idx["SUBJECT_ID"]].strip()
            if not sid:
                continue
            s = subjects.setdefault(sid, {"cii": row[idx["CII_NUMBER"]].strip(), "convs": {}})
            if not row[idx["DISP_DESCR"]].startswith("CONVICTED"):
                continue
            when = _date(row[idx["STP_EVENT_DATE"]].strip())
            if when is None:
                continue
            c = s["convs"].setdefault(
                row[idx["CNT_ORDER"]] or f"line{reader.line_num}",
                {
                    "date": when,
                    "felony": row[idx["CONV_STAT_DESCR"]].strip() == "FELONY",
                    "parts": {},
                },
            )
            loc = row[idx["SENT_LOC_DESCR"]].strip()
            days = _length_days(row[idx["SENT_LENGTH"]].strip(), row[idx["SENT_TIME_CODE"]].strip())
            if loc and days:
                c["parts"][loc] = c["parts"].get(loc, 0) + days
    return subjects


def _periods(rng: random.Random, conv: dict) -> list[tuple[str, str, date, date]]:
    """(type, agency, start, end) supervision periods that follow one conviction."""
    parts, start = conv["parts"], conv["date"]
    out = []
    if "PROBATION" in parts:
        out.append(("probation", "COUNTY", start, start + timedelta(days=parts["PROBATION"])))
    if "PRISON" in parts:
        release = start + timedelta(days=parts["PRISON"] // 2)  # half-time credits
        kind, agency = ("parole", "DOC") if rng.random() < 0.6 else ("prcs", "COUNTY")
        out.append((kind, agency, release, release + timedelta(days=rng.randint(365, 3 * 365))))
    elif "JAIL" in parts and conv["felony"] and rng.random() < 0.35:
        release = start + timedelta(days=parts["JAIL"] // 2)
        end = release + timedelta(days=rng.randint(180, 2 * 365))
        out.append(("mandatory_supervision", "COUNTY", release, end))
    return out


def generate_supervision(extract: Path, out: Path, seed: int = 0) -> SupervisionStats:
    """Write the supervision file for `extract`'s subjects; return counts."""
    rng = random.Random(seed)
    subjects = _convictions(extract)
    stats = SupervisionStats()
    rows: list[list[str]] = []
    for sid in sorted(subjects):
        s = subjects[sid]
        periods = [p for conv in s["convs"].values() for p in _periods(rng, conv)]
        if not periods:
            continue
        stats.subjects += 1
        use_cii = bool(s["cii"]) and rng.random() < 0.25
        for kind, agency, start, end in sorted(periods, key=lambda p: (p[2], p[0])):
            person_id = s["cii"] if use_cii else sid
            r = rng.random()
            if r < 0.02:
                person_id = f" {person_id.lower()} "  # padded / lower case: still matches
            agency_text = agency
            if rng.random() < 0.03:
                agency_text = rng.choice(["N/A", "-", ""])
            start_text = start.isoformat()
            if rng.random() < 0.02:
                start_text = start.isoformat()[:7]  # month only
            end_text = end.isoformat()
            if start >= ACTIVE_FROM and rng.random() < 1 / 12:
                end_text = ""  # still under supervision
                stats.open_periods += 1
            stats.by_cii += use_cii
            rows.append([person_id, kind, agency_text, start_text, end_text])
    # rows that match no subject of the extract (another county's people), and bad ids
    for n in range(3):
        rows.append([f"9{seed % 10}{n:07d}", "probation", "COUNTY", "2019-01-01", "2021-01-01"])
        stats.unmatched += 1
    rows.append(["-", "parole", "DOC", "2018-05-01", "2020-05-01"])
    stats.unmatched += 1
    rows.append(["", "parole", "DOC", "2018-05-01", "2020-05-01"])  # rejected: no person_id
    tmp = out.with_name(out.name + ".tmp")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(COLUMNS_OUT)
        w.writerows(rows)
    os.replace(tmp, out)
    stats.rows = len(rows)
    return stats
