"""Deterministic, streaming generator of *fabricated* canonical extracts (docs/canonical-format.md).

`generate_canonical(out_dir, rows, seed, state, fmt)` writes one extract folder holding the eight
tables of `orchestration.ingest.canonical_format.TABLES` (persons, arrests, cases, charges,
dispositions, sentences, registrations, supervision) for one state: UT, PA or CA. Every person is
made up: names come from the invented lists of the DOJ generator, ids from the seeded RNG.

Guarantees
* Deterministic: the same ``(rows, seed, state)`` gives byte-identical CSV files. The only
  randomness is one ``random.Random(seed)``: no wall clock, no ``hash()``, no set iteration.
* ``rows`` is the number of **charges**, approximately: people are generated whole, one at a time,
  and generation stops after the person during which the count reaches ``rows`` (``rows=0``
  writes header-only files).
* Streaming (CSV): the eight files are open together and written person by person through
  buffered ``csv.writer`` objects (UTF-8, LF, RFC 4180 minimal quoting); memory does not grow with
  ``rows``. Parquet (``fmt="parquet"``): the same CSV is written first, then converted table by
  table with polars (``scan_csv(infer_schema=False).sink_parquet``), so every column is String,
  blank CSV fields become nulls, and the data are exactly the CSV's.
* Atomic: each file is written to ``<name>.<ext>.tmp`` and moved into place with ``os.replace``
  once all are complete. Table files of the *other* format left in the folder by an earlier run
  (``persons.csv`` when writing Parquet, ...) are removed, because the reader prefers ``.csv``.

Dates are ISO, 1975..2025-06-30 (except the CA "conviction before 1973" edge case, 1970-1972,
dates of birth, and sentence end dates, which may lie after 2025-06-30: still serving).
About 1% of date fields are partial (``YYYY`` or ``YYYY-MM``, half each) and
0.5% blank; end dates whose blank means "still active" (registration / supervision) and
``deceased_date`` are never blanked at random, and the key dates of scripted edge cases are
always full.

Edge cases (``EDGE_CASES[state]``, described in ``EDGE_CASE_DOCS``) are the cases of
clearance-law.md 9.2 (CA), 9.3 (UT) and 9.4 (PA), plus a few format features. Each is a
*scripted person* built around the case; ``SCRIPTED_RATE`` of people are scripted with a
uniformly drawn case (the natural rate). On top of that a deterministic floor, as in the DOJ
generator, forces a case into the next person when it has not been written for ``_WINDOW``
charges (the first time: by a staggered offset below ``_FIRST_DUE + _SPREAD``), so every case is
present in any extract of >= ~2,200 charges whatever the seed. Ordinary people may match a case
too; ``CanonicalStats.edge_cases`` counts the scripted ones only. Counts only, no personal data.
"""

from __future__ import annotations

import calendar
import csv
import os
import random
import zlib
from abc import ABC, abstractmethod
from bisect import bisect
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from itertools import accumulate
from pathlib import Path

from devtools.generate.extract import _FIRST_F, _FIRST_M, _LAST, _Perm
from orchestration.ingest.canonical_format import TABLES

__all__ = [
    "EDGE_CASES",
    "EDGE_CASE_DOCS",
    "FILE_FORMATS",
    "GENERATED_STATES",
    "SCRIPTED_RATE",
    "CanonicalStats",
    "generate_canonical",
]

GENERATED_STATES: tuple[str, ...] = ("UT", "PA", "CA")
FILE_FORMATS: tuple[str, ...] = ("csv", "parquet")
TABLE_NAMES: tuple[str, ...] = tuple(TABLES)
SCRIPTED_RATE = 0.08  # share of people built around a uniformly drawn edge case

(_PERSONS, _ARRESTS, _CASES, _CHARGES, _DISPOSITIONS, _SENTENCES, _REGISTRATIONS, _SUPERVISION) = (
    range(8)
)
assert TABLE_NAMES == (
    "persons",
    "arrests",
    "cases",
    "charges",
    "dispositions",
    "sentences",
    "registrations",
    "supervision",
)

_WINDOW = 1200  # an edge case not written for this many charges is forced into the next person
_FIRST_DUE = 40  # first forcing offsets are staggered over [_FIRST_DUE, _FIRST_DUE + _SPREAD)
_SPREAD = 1000

# --------------------------------------------------------------------------------------------
# Dates (proleptic ordinals)


def _o(y: int, m: int = 1, d: int = 1) -> int:
    return date(y, m, d).toordinal()


_START = _o(1975)
_END = _o(2025, 6, 30)  # last date written (ordinary data)
_AS_OF = _o(2025, 7, 1)  # the reference date of clearance-law.md 9 (used to place edge cases)
_RECENT = _o(2023)  # an ordinary person's last episode after this may still be open
_CA_NARCOTICS_REPEAL = _o(2012)  # HS 11590 registration ended (AB 1323)
_YEAR = 365


def _iso(o: int) -> str:
    return date.fromordinal(o).isoformat()


def _add_months(o: int, months: int) -> int:
    d = date.fromordinal(o)
    m0 = d.month - 1 + months
    y, m = d.year + m0 // 12, m0 % 12 + 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1])).toordinal()


def _after(o: int, length: int, unit: str) -> int:
    if unit == "D":
        return o + length
    return _add_months(o, length if unit == "M" else 12 * length)


# --------------------------------------------------------------------------------------------
# Offenses


@dataclass(frozen=True, slots=True)
class _Ch:
    """One charge variant: statute as the source writes it, level, grade, statutory maximum."""

    statute: str
    descr: str
    level: str
    grade: str
    max_years: str
    traffic: bool

    @property
    def felony(self) -> bool:
        return self.level == "felony"


@dataclass(frozen=True, slots=True)
class _Off:
    statute: str
    weight: int
    variants: tuple[_Ch, ...]  # drawn uniformly (repetition = weight)
    dv: float  # probability of is_dv=Y on a B/C (UT) or any (CA, PA) variant


_LEVEL = {"F": "felony", "M": "misdemeanor", "I": "infraction", "S": "summary"}


def _off(
    statute: str, descr: str, weight: int, spec: str, *, traffic: bool = False, dv: float = 0.0
) -> _Off:
    """spec: space-separated LEVEL:GRADE:MAX, LEVEL one of F M I S (grade may be empty)."""
    variants = []
    for item in spec.split():
        lvl, grade, mx = item.split(":")
        variants.append(_Ch(statute, descr, _LEVEL[lvl], grade, mx, traffic))
    return _Off(statute, weight, tuple(variants), dv)


_UT_OFFENSES = (
    _off("76-6-602", "RETAIL THEFT", 12, "M:B:0.5 M:B:0.5 M:A:1 M:C:0.25 F::5"),
    _off("76-6-404", "THEFT", 8, "M:B:0.5 M:A:1 F::5"),
    _off("58-37-8(2)(a)(i)", "POSSESSION OR USE OF A CONTROLLED SUBSTANCE", 12,
         "M:A:1 M:A:1 M:B:0.5"),
    _off("58-37a-5(1)", "USE OR POSSESSION OF DRUG PARAPHERNALIA", 8, "M:B:0.5"),
    _off("76-5-102", "ASSAULT", 6, "M:B:0.5 M:B:0.5 M:A:1", dv=0.3),
    _off("41-6a-502", "DRIVING UNDER THE INFLUENCE OF ALCOHOL/DRUGS", 7,
         "M:B:0.5 M:B:0.5 M:A:1 F::5"),
    _off("76-10-503", "PURCHASE/POSSESSION OF A DANGEROUS WEAPON BY A RESTRICTED PERSON", 2,
         "F::5 F::15 M:A:1"),
    _off("76-9-702", "LEWDNESS", 1, "M:B:0.5 M:A:1"),
    _off("76-6-106", "CRIMINAL MISCHIEF", 6, "M:B:0.5 M:C:0.25 M:A:1", dv=0.25),
    _off("76-8-305", "INTERFERENCE WITH ARRESTING OFFICER", 4, "M:B:0.5"),
    _off("41-6a-601", "SPEEDING", 8, "I:IN:0 I:IN:0 M:C:0.25", traffic=True),
    _off("41-6a-305", "FAILURE TO OBEY TRAFFIC CONTROL DEVICE", 3, "I:IN:0", traffic=True),
    _off("76-9-102", "DISORDERLY CONDUCT", 5, "M:C:0.25 I:IN:0"),
    _off("76-6-206", "CRIMINAL TRESPASS", 4, "M:B:0.5 M:C:0.25"),
    _off("32B-4-409", "UNLAWFUL CONSUMPTION OF ALCOHOL BY A MINOR", 2, "M:B:0.5"),
    _off("76-6-202", "BURGLARY", 2, "F::5 F::15"),
    _off("58-37-8(1)(a)(ii)", "DISTRIBUTION OF A CONTROLLED SUBSTANCE", 2, "F::15 F::5"),
)  # fmt: skip
_UT_SERIOUS = (_off("76-5-402", "RAPE", 0, "F::99"),)

_PA_OFFENSES = (
    _off("18 § 3929", "RETAIL THEFT-TAKE MDSE", 12, "S:S:0.25 S:S:0.25 M:M2:2 M:M1:5 F:F3:7"),
    _off("18 § 3921 §§ A", "THEFT BY UNLAW TAKING-MOVABLE PROP", 8, "M:M3:1 M:M2:2 M:M1:5 F:F3:7"),
    _off("18 § 2701", "SIMPLE ASSAULT", 7, "M:M2:2 M:M2:2 M:M1:5", dv=0.15),
    _off("18 § 2702 §§ A1", "AGGRAVATED ASSAULT", 2, "F:F1:20 F:F2:10"),
    _off("18 § 3502", "BURGLARY", 3, "F:F1:20 F:F1:20 F:F2:10"),
    _off("35 § 780-113(a)(16)", "INT POSS CONTR SUBST BY PER NOT REG", 12, "M:M:1"),
    _off("35 § 780-113(a)(31)", "MARIJ-SMALL AMT PERSONAL USE", 5, "M:M:0.08"),
    _off("35 § 780-113(a)(32)", "USE/POSS OF DRUG PARAPH", 8, "M:M:1"),
    _off("35 § 780-113(a)(30)", "MANUFACTURE, DELIVERY, OR POSSESSION WITH INTENT TO DELIVER", 5,
         "F:F:15 F:F:10 F:F:5"),
    _off("75 § 3802", "DUI: GEN IMP/INC OF DRIVING SAFELY", 8, "M:M:0.5 M:M:0.5 M:M1:5 M:M2:2"),
    _off("18 § 5503", "DISORDERLY CONDUCT", 7, "S:S:0.25 S:S:0.25 M:M3:1"),
    _off("18 § 3127", "INDECENT EXPOSURE", 1, "M:M2:2 M:M1:5"),
    _off("18 § 5505", "PUBLIC DRUNKENNESS AND SIMILAR MISCONDUCT", 5, "S:S:0.25"),
    _off("18 § 6308", "PURCHASE, CONSUMPTION, POSSESSION OR TRANSPORTATION OF LIQUOR", 3,
         "S:S:0.25"),
    _off("18 § 3304", "CRIMINAL MISCHIEF", 4, "S:S:0.25 M:M3:1 M:M2:2 F:F3:7"),
    _off("18 § 2709", "HARASSMENT", 4, "S:S:0.25 S:S:0.25 M:M3:1", dv=0.2),
    _off("18 § 6106", "FIREARMS NOT TO BE CARRIED W/O LICENSE", 2, "F:F3:7 M:M1:5"),
    _off("75 § 1543", "DRIVING WHILE OPER PRIV SUSPENDED OR REVOKED", 5, "S:S:0.25", traffic=True),
    _off("75 § 3362", "EXCEEDING MAXIMUM SPEED LIMITS", 4, "S:S:0.25", traffic=True),
)  # fmt: skip
_PA_SERIOUS = (_off("18 § 3121", "RAPE FORCIBLE COMPULSION", 0, "F:F1:20"),)

_CA_OFFENSES = (
    _off("11357(A) HS", "POSSESS CONCENTRATED CANNABIS", 3, "F::3 M::1"),
    _off("11357(B) HS", "POSSESS MARIJUANA 28.5 GRAMS OR LESS", 3, "M::0.5 I::0"),
    _off("11359 HS", "POSSESS MARIJUANA FOR SALE", 4, "F::3 F::3 M::0.5"),
    _off("11350(A) HS", "POSSESS NARCOTIC CONTROLLED SUBSTANCE", 7, "F::3 M::1"),
    _off("11377(A) HS", "POSSESS CONTROLLED SUBSTANCE", 6, "M::1 F::3"),
    _off("11364 HS", "POSSESS CONTROLLED SUBSTANCE PARAPHERNALIA", 5, "M::0.5"),
    _off("11378 HS", "POSSESS CONTROLLED SUBSTANCE FOR SALE", 3, "F::3"),
    _off("11352(A) HS", "TRANSPORT/SELL NARCOTIC CONTROLLED SUBSTANCE", 2, "F::5"),
    _off("459 PC", "BURGLARY", 6, "F::6 F::3 M::1"),
    _off("10851 VC", "TAKE VEHICLE W/O OWNER CONSENT", 5, "F::3 M::1"),
    _off("23152(A) VC", "DUI ALCOHOL/DRUGS", 9, "M::0.5 M::0.5 M::0.5 F::3"),
    _off("484 PC", "THEFT OF PROPERTY", 5, "M::0.5 F::3"),
    _off("488 PC", "PETTY THEFT", 5, "M::0.5"),
    _off("647(F) PC", "DISORDERLY CONDUCT:INTOXICATION", 5, "M::0.5"),
    _off("273.5 PC", "INFLICT CORPORAL INJURY SPOUSE/COHABITANT", 4, "F::4 M::1", dv=1.0),
    _off("245(A)(1) PC", "ASSAULT WITH DEADLY WEAPON NOT FIREARM", 3, "F::4 M::1"),
    _off("211 PC", "ROBBERY", 2, "F::9 F::5"),
    _off("148(A)(1) PC", "OBSTRUCT/RESIST PUBLIC OFFICER/ETC", 5, "M::1"),
    _off("496(A) PC", "RECEIVE KNOWN STOLEN PROPERTY", 4, "F::3 M::1"),
    _off("12500(A) VC", "DRIVE WITHOUT LICENSE", 4, "M::0.5 I::0", traffic=True),
    _off("14601.1(A) VC", "DRIVE WHILE LICENSE SUSPENDED", 4, "M::0.5", traffic=True),
    _off("22350 VC", "UNSAFE SPEED", 3, "I::0", traffic=True),
    _off("242 PC", "BATTERY", 4, "M::0.5", dv=0.2),
    _off("415 PC", "DISTURB THE PEACE", 2, "M::0.25 I::0"),
    _off("29800(A)(1) PC", "FELON/ADDICT POSSESS FIREARM", 1, "F::3"),
)
# 99 = life (statutory maximum life imprisonment)
_CA_SERIOUS = (
    _off("187 PC", "MURDER", 0, "F::99"),
    _off("261(A)(2) PC", "RAPE BY FORCE/FEAR", 0, "F::8"),
    _off("288(A) PC", "LEWD OR LASCIVIOUS ACTS WITH CHILD UNDER 14", 0, "F::8"),
)
_SEX_OFFENSES = frozenset({"76-5-402", "18 § 3121", "261(A)(2) PC", "288(A) PC"})


class _Pool:
    """Weighted draw with one `random()` call (bisect on cumulative weights)."""

    __slots__ = ("by_statute", "cum", "items", "total")

    def __init__(self, offenses: Sequence[_Off], extra: Sequence[_Off] = ()) -> None:
        self.items = tuple(offenses)
        self.cum = tuple(accumulate(o.weight for o in offenses))
        self.total = self.cum[-1]
        self.by_statute = {o.statute: o for o in (*offenses, *extra)}

    def pick(self, rnd: float) -> _Off:
        return self.items[bisect(self.cum, rnd * self.total)]


# --------------------------------------------------------------------------------------------
# Edge cases: state -> tag -> what the scripted person holds

EDGE_CASE_DOCS: dict[str, dict[str, str]] = {
    "UT": {
        "u01_retail_theft_b": "U1: only record: 76-6-602 class B conviction, 2010-2018",
        "u02_simple_assault_b": "U2: 76-5-102 class B conviction (Title 76 ch. 5)",
        "u03_possession_a_recent": "U3: 58-37-8(2)(a)(i) class A conviction 2019-2022 (7y wait)",
        "u04_possession_a_paraphernalia_b": "U4: one case, possession A + 58-37a-5(1) B, 2010-2016",
        "u05_possession_b_dui_a": "U5: one case, possession B + 41-6a-502 DUI class A",
        "u06_felony_pia_completed": "U6: 58-37-8(1)(a)(ii) felony plea in abeyance completed",
        "u07_class_c_pia_completed": "U7: class C plea in abeyance completed, dismissed 2017-2020",
        "u08_acquitted": "U8: whole case acquitted (some within 60 days of 2025-07-01)",
        "u09_ngri": "U9: not guilty by reason of insanity",
        "u10_dismissed_with_prejudice": "U10: whole case dismissed with prejudice",
        "u11_dismissed_without_prejudice": "U11: whole case dismissed without prejudice",
        "u12_open_misdemeanor_case": "U12: class B conviction + open non-traffic misdemeanor case",
        "u13_open_traffic_case": "U13: class B conviction + open traffic-only case",
        "u14_five_misdemeanor_episodes": "U14: 5-6 misdemeanor convictions, separate episodes",
        "u15_infractions_traffic_only": "U15: 3-6 convictions, all infractions or traffic",
        "u16_dv_mischief_b": "U16: 76-6-106 class B with is_dv=Y",
        "u17_restitution_owed": "U17: class B conviction, case restitution_balance > 0",
        "u18_doc_supervision_active": "U18: felony on DOC probation (no end date) + old class B",
        "u_pia_pending": "plea in abeyance still pending (case open)",
        "u_shared_episode": "two arrests (two cases) sharing one episode_id",
    },
    "PA": {
        "pa01_withdrawn": "PA1: whole case withdrawn (some in 2025)",
        "pa01_nolle_prossed": "PA1: whole case nolle prossed",
        "pa02_summary_retail_theft": "PA2: 18 § 3929 summary conviction, restitution 0",
        "pa03_m2_only": "PA3: a single M2 conviction (2012-2017), restitution 0, nothing later",
        "pa04_m3_then_summary": "PA4: M3 conviction, later summary conviction",
        "pa05_m3_then_m_ge_1y": "PA5: M3 conviction, later 75 § 3802 M1 / M2 conviction",
        "pa06_simple_assault_m2": "PA6: 18 § 2701 M2 conviction (Article B)",
        "pa07_felony_then_m3": "PA7: felony conviction 1990-2000, then M3 theft",
        "pa08_four_m2": "PA8: 4-5 M2 convictions",
        "pa09_restitution_unknown": "PA9: conviction, case restitution_balance blank",
        "pa10_drug_felony_short": "PA10: 780-113(a)(30) F, 1-2 year sentence, 2008-2013",
        "pa11_drug_felony_3_6y": "PA11: 780-113(a)(30) F, 3-6 year prison sentence",
        "pa12_pardoned": "PA12: conviction later pardoned",
    },
    "CA": {
        "c01_misd_jail_judgment_old": "C1: misdemeanor, jail 30 D only, judgment 2018..2024-06",
        "c02_misd_jail_judgment_recent": "C2: same, judgment 2024-07-15..2025-06-15",
        "c03_felony_probation_complete": "C3: 10851 VC felony, probation 3 Y, not revoked",
        "c04_probation_revoked": "C4: felony probation revoked (jail), supervision ended",
        "c05_revoked_then_new_felony": "C5: as C4, then a new felony conviction",
        "c06_burglary_459": "C6: 459 PC felony conviction",
        "c07_sex_offender_registered": "C7: 290 registrant (261(A)(2) / 288(A) PC) + other conv.",
        "c08_active_parole": "C8: parole with no end date",
        "c09_pending_case": "C9: open case with no / pending disposition (filed 2018-2021)",
        "c10_conviction_before_1973": "C10: conviction dated 1970-1972",
        "c11_prison_parole_discharged": "C11: prison, parole ended 2015-2021, no later felony",
        "a01_misd_arrest_no_case": "A1: misdemeanor arrest, charges never filed (blank case_id)",
        "a02_felony_arrest_no_case": "A2: felony arrest (max < 8 years), never filed",
        "a03_felony8_arrest_no_case": "A3: felony arrest (max >= 8 years), never filed",
        "a04_dismissed_and_convicted": "A4: one arrest, one count dismissed, another convicted",
        "a05_diversion_completed": "A5: diversion / DEJ completed",
    },
}
EDGE_CASES: dict[str, tuple[str, ...]] = {s: tuple(d) for s, d in EDGE_CASE_DOCS.items()}

_NOTABLE = (
    "convictions",
    "open_cases",
    "charges_without_case",
    "multi_disposition_charges",
    "dv_charges",
    "traffic_charges",
    "restitution_owed_cases",
    "restitution_unknown_cases",
    "revoked_probation",
    "active_supervision",
    "deceased",
    "partial_dates",
    "blank_dates",
)


@dataclass(frozen=True)
class CanonicalStats:
    """Counts about a generated canonical extract (no personal data)."""

    state: str
    file_format: str
    persons: int
    arrests: int
    cases: int
    charges: int
    dispositions: int
    sentences: int
    registrations: int
    supervision: int
    notable: Mapping[str, int] = field(default_factory=dict)  # see _NOTABLE
    edge_cases: Mapping[str, int] = field(default_factory=dict)  # tag -> scripted persons

    def table_counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in TABLE_NAMES}


# --------------------------------------------------------------------------------------------
# Public API


def generate_canonical(
    out_dir: Path | str, rows: int, seed: int, state: str, fmt: str = "csv"
) -> CanonicalStats:
    """Write a fabricated canonical extract of about `rows` charges into folder `out_dir`.

    Deterministic in (rows, seed, state); memory is flat in `rows` for CSV. Raises ValueError on a
    negative `rows` / `seed`, an unknown `state` (UT, PA, CA) or `fmt` (csv, parquet).
    """
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 0:
        raise ValueError(f"rows must be a non-negative integer, got {rows!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    st = str(state).strip().upper()
    if st not in GENERATED_STATES:
        raise ValueError(f"state must be one of {', '.join(GENERATED_STATES)}, got {state!r}")
    ff = str(fmt).strip().lower()
    if ff not in FILE_FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FILE_FORMATS)}, got {fmt!r}")

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out} exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    gen = _GENERATORS[st](seed)
    csv_tmp = [out / f"{name}.csv.tmp" for name in TABLE_NAMES]
    pq_tmp = [out / f"{name}.parquet.tmp" for name in TABLE_NAMES]
    counts = [0] * 8
    try:
        _write_csv(gen, csv_tmp, rows, counts)
        if ff == "parquet":
            import polars as pl

            for src, dst in zip(csv_tmp, pq_tmp, strict=True):
                pl.scan_csv(src, infer_schema=False, encoding="utf8").sink_parquet(dst)
                src.unlink()
            finals = [(t, out / f"{n}.parquet") for t, n in zip(pq_tmp, TABLE_NAMES, strict=True)]
        else:
            finals = [(t, out / f"{n}.csv") for t, n in zip(csv_tmp, TABLE_NAMES, strict=True)]
        for tmp, final in finals:
            os.replace(tmp, final)
        other = "csv" if ff == "parquet" else "parquet"
        for name in TABLE_NAMES:  # a stale file of the other format would shadow / mix
            (out / f"{name}.{other}").unlink(missing_ok=True)
    except BaseException:
        for tmp in (*csv_tmp, *pq_tmp):
            tmp.unlink(missing_ok=True)
        raise
    return CanonicalStats(
        state=st,
        file_format=ff,
        **dict(zip(TABLE_NAMES, counts, strict=True)),
        notable={k: gen.notable[k] for k in _NOTABLE},
        edge_cases={tag: gen.edge_counts[tag] for tag in EDGE_CASES[st]},
    )


def _write_csv(gen: _Generator, paths: list[Path], rows: int, counts: list[int]) -> None:
    """Stream people into the eight CSV files (all open at once), until `rows` charges."""
    with ExitStack() as stack:
        writers = []
        for path, name in zip(paths, TABLE_NAMES, strict=True):
            fh = stack.enter_context(
                open(path, "w", encoding="utf-8", newline="", buffering=1 << 18)
            )
            w = csv.writer(fh, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
            w.writerow(TABLES[name].columns)
            writers.append(w)
        written = 0
        while written < rows:
            gen.schedule(written)
            p = gen.person()
            for i, table_rows in enumerate(p.rows):
                if table_rows:
                    writers[i].writerows(table_rows)
                    counts[i] += len(table_rows)
            written += len(p.rows[_CHARGES])
            for tag in p.events:
                gen.edge_counts[tag] += 1
                gen.next_due[tag] = written + _WINDOW


# --------------------------------------------------------------------------------------------
# The generator proper


@dataclass(slots=True)
class _Count:
    """A charge to write: the variant, its final disposition (None = no row) and sentence parts."""

    ch: _Ch
    disp: str | None
    sent: tuple[tuple[str, int | None, str, str, int | None], ...] = ()  # type,len,unit,rev,max
    dv: bool = False
    later: int | None = None  # date of the 2nd disposition row (completed PIA / pardon)


@dataclass(slots=True)
class _Ep:
    arrest_id: str
    case_id: str
    arrest: int
    judgment: int
    charge_ids: list[str]


class _Person:
    __slots__ = ("convictions", "county", "dob", "events", "first", "last", "pid", "rows")

    def __init__(self, pid: str, county: str) -> None:
        self.pid = pid
        self.county = county
        self.rows: tuple[list[tuple[str, ...]], ...] = tuple([] for _ in range(8))
        self.events: list[str] = []
        self.first = _END  # earliest arrest / event
        self.last = 0  # latest event
        self.dob = 0
        self.convictions: list[tuple[int, _Ch]] = []  # (judgment, charge)


_NEP_CUM = tuple(accumulate((36, 25, 15, 10, 8, 6)))  # ordinary people: 1..6 episodes
_NCOUNT_CUM = tuple(accumulate((55, 30, 15)))  # counts per case: 1..3


class _Generator(ABC):
    state = ""
    restitution_default = "0"
    counties: tuple[str, ...] = ()
    pool: _Pool
    serious: tuple[_Off, ...] = ()

    def __init__(self, seed: int) -> None:
        # str seeds are hashed with SHA-512 by `random` (not hash()): stable across runs.
        self.rng = random.Random(f"canonical:{self.state}:{seed}")
        self.pid = _Perm(self.rng, 10_000_000, 90_000_000)
        self.otn = _Perm(self.rng, 10_000_000, 90_000_000)
        self.n_person = self.n_arrest = self.n_case = self.n_episode = 0
        tags = EDGE_CASES[self.state]
        self.edge_counts: dict[str, int] = dict.fromkeys(tags, 0)
        self.notable: dict[str, int] = dict.fromkeys(_NOTABLE, 0)
        self.next_due = {t: _FIRST_DUE + (k * _SPREAD) // len(tags) for k, t in enumerate(tags)}
        self.pending: list[str] = []
        self.scenarios: dict[str, Callable[[_Person], None]] = {
            t: getattr(self, f"_s_{t}") for t in tags
        }

    # ---- floor scheduler ---------------------------------------------------------------------

    def schedule(self, pos: int) -> None:
        for tag, due in self.next_due.items():
            if due <= pos and tag not in self.pending:
                self.pending.append(tag)

    # ---- person -------------------------------------------------------------------------------

    def person(self) -> _Person:
        rnd = self.rng.random
        idx = self.n_person
        self.n_person += 1
        p = _Person(self.pid(idx), self.counties[int(rnd() * len(self.counties))])
        tag = None
        if self.pending:
            tag = self.pending.pop(0)
        elif rnd() < SCRIPTED_RATE:
            tags = EDGE_CASES[self.state]
            tag = tags[int(rnd() * len(tags))]
        if tag is None:
            self._ordinary(p)
        else:
            self.scenarios[tag](p)
            p.events.append(tag)
        self._finish(p)
        return p

    def _ordinary(self, p: _Person) -> None:
        rnd = self.rng.random
        dob = _o(1940) + int(rnd() * (_o(2005, 12, 31) - _o(1940)))
        p.dob = dob
        lo = max(_START, dob + 18 * _YEAR + 5 + int(rnd() * rnd() * 15 * _YEAR))
        lo = min(lo, _END - 60)
        hi = min(_END - 30, lo + 200 + int(rnd() * 25 * _YEAR))
        hi = max(hi, lo)
        n = 1 + bisect(_NEP_CUM, rnd() * _NEP_CUM[-1])
        arrests = sorted(lo + int(rnd() * (hi - lo + 1)) for _ in range(n))
        for i, a in enumerate(arrests):
            if rnd() < 0.004 and self.serious:
                self._serious_episode(p, a)
            else:
                self._ordinary_episode(p, a, i == n - 1)

    def _finish(self, p: _Person) -> None:
        """Person row first (name, DOB before the first event, rarely deceased)."""
        rnd = self.rng.random
        female = rnd() < 0.24
        first = (_FIRST_F if female else _FIRST_M)[int(rnd() * 20)]
        last = _LAST[int(rnd() * len(_LAST))]
        name = self._name(last, first, rnd())
        if not p.dob or p.dob > p.first - 16 * _YEAR:
            p.dob = p.first - 18 * _YEAR - 10 - int(rnd() * 30 * _YEAR)
        deceased = ""
        if rnd() < 0.01 and p.last < _END - 60:
            deceased = _iso(min(_END, p.last + 30 + int(rnd() * 4000)))
            self.notable["deceased"] += 1
        gender, race = _demographics(p.pid)
        p.rows[_PERSONS].append((p.pid, self.state, name, self._d(p.dob), deceased, gender, race))

    def _name(self, last: str, first: str, r: float) -> str:
        initial = "ABCDEFGHIJKLMNOPRSTW"[int(r * 1000) % 20]
        if r < 0.6:
            return f"{last.title()}, {first.title()} {initial}"
        return f"{last.title()}, {first.title()}"

    # ---- field helpers ------------------------------------------------------------------------

    def _d(self, o: int) -> str:
        """A date as the source writes it: ~0.5% YYYY, ~0.5% YYYY-MM, ~0.5% blank."""
        r = self.rng.random()
        if r >= 0.015:
            return _iso(o)
        if r < 0.005:
            self.notable["blank_dates"] += 1
            return ""
        self.notable["partial_dates"] += 1
        iso = _iso(o)
        return iso[:4] if r < 0.01 else iso[:7]

    def _between(self, y1: int, y2: int, lo: int = 0) -> int:
        a, b = max(_o(y1), lo), min(_o(y2, 12, 31), _END)
        return a + int(self.rng.random() * (b - a + 1)) if b > a else a

    def _variant(self, statute: str, grade: str | None = None, level: str | None = None) -> _Ch:
        vs = [
            v
            for v in self.pool.by_statute[statute].variants
            if (grade is None or v.grade == grade) and (level is None or v.level == level)
        ]
        if not vs:
            raise LookupError(f"no {statute} variant with grade {grade!r} / level {level!r}")
        return vs[int(self.rng.random() * len(vs))]

    def _draw(self) -> tuple[_Ch, bool]:
        rnd = self.rng.random
        off = self.pool.pick(rnd())
        ch = off.variants[int(rnd() * len(off.variants))]
        dv = off.dv > 0 and self._dv_ok(ch) and rnd() < off.dv
        return ch, dv

    def _dv_ok(self, ch: _Ch) -> bool:
        return True

    def _counts_drawn(self) -> list[tuple[_Ch, bool]]:
        n = 1 + bisect(_NCOUNT_CUM, self.rng.random() * _NCOUNT_CUM[-1])
        return [self._draw() for _ in range(n)]

    def _timeline(
        self, arrest: int | None = None, judgment: int | None = None
    ) -> tuple[int, int, int, int]:
        """(offense, arrest, filing, judgment): filing after the arrest, judgment after filing."""
        rnd = self.rng.random
        gap = 21 + int(rnd() * rnd() * 480)
        if judgment is None:
            assert arrest is not None
            judgment = arrest + gap
        else:
            arrest = judgment - gap
        offense = arrest if rnd() < 0.75 else arrest - 1 - int(rnd() * 40)
        filing = arrest + 1 + int(rnd() * min(45, gap - 2))
        return offense, arrest, filing, judgment

    # ---- writing ------------------------------------------------------------------------------

    def _arrest_id(self) -> str:
        self.n_arrest += 1
        return f"AR{self.n_arrest:08d}"

    def _episode_id(self) -> str:
        self.n_episode += 1
        return self.otn(self.n_episode)

    @abstractmethod
    def _case_id(self, filing: int, counts: Sequence[_Count], county: str) -> str:
        """State specific: each state's generator implements it."""

    @abstractmethod
    def _court(self, county: str, counts: Sequence[_Count]) -> str:
        """State specific: each state's generator implements it."""

    @abstractmethod
    def _agency(self, county: str, counts: Sequence[_Count]) -> str:
        """State specific: each state's generator implements it."""

    def _episode(
        self,
        p: _Person,
        counts: Sequence[_Count],
        tl: tuple[int, int, int, int],
        *,
        filed: bool = True,
        restitution: str | None = None,
        exact: bool = False,
        episode_id: str | None = None,
        county: str | None = None,
        reject_date: int | None = None,
    ) -> _Ep:
        """Write one arrest, its case (unless `filed` is false), charges, dispositions and
        sentences. `exact`: full ISO dates (the key dates of an edge case). `restitution`: the
        case's balance, default `restitution_default` ("0" paid; CA: blank, DOJ has no data)."""
        if restitution is None:
            restitution = self.restitution_default
        d = _iso if exact else self._d
        offense, arrest, filing, judgment = tl
        filing = min(filing, _END)
        county = county or p.county
        rows = p.rows
        arrest_id = self._arrest_id()
        if episode_id is None:
            episode_id = self._episode_id() if self.state != "CA" else ""
        rows[_ARRESTS].append(
            (arrest_id, p.pid, d(arrest), self._agency(county, counts), county, episode_id)
        )
        p.first = min(p.first, arrest)
        p.last = max(p.last, arrest)
        case_id = ""
        if filed:
            case_id = self._case_id(filing, counts, county)
            is_open = any(c.disp in ("pending", "plea_in_abeyance", None) for c in counts)
            if is_open:
                self.notable["open_cases"] += 1
            if restitution == "":
                self.notable["restitution_unknown_cases"] += 1
            elif restitution != "0":
                self.notable["restitution_owed_cases"] += 1
            rows[_CASES].append(
                (
                    case_id,
                    p.pid,
                    arrest_id,
                    self._court(county, counts),
                    county,
                    d(filing),
                    "open" if is_open else "closed",
                    restitution,
                )
            )
        ids = []
        base = case_id or arrest_id
        for k, c in enumerate(counts, 1):
            ch = c.ch
            charge_id = f"{base}-{k}"
            ids.append(charge_id)
            rows[_CHARGES].append(
                (
                    charge_id,
                    p.pid,
                    arrest_id,
                    case_id,
                    ch.statute,
                    ch.descr,
                    ch.level,
                    ch.grade if exact else self._grade(ch),
                    ch.max_years if exact else self._max(ch),
                    d(offense),
                    "Y" if c.dv else "N",
                    "Y" if ch.traffic else "N",
                )
            )
            if c.dv:
                self.notable["dv_charges"] += 1
            if ch.traffic:
                self.notable["traffic_charges"] += 1
            if not filed:
                self.notable["charges_without_case"] += 1
            when = reject_date if not filed else filing if c.disp == "pending" else judgment
            self._dispositions(p, charge_id, c, when, d)
            for typ, length, unit, revoked, mx in c.sent:
                start = judgment
                end = _after(start, mx if mx is not None else length or 0, unit)
                if typ == "fine":
                    end_s = ""
                else:
                    end_s = d(end)
                    p.last = max(p.last, min(end, _END))
                if revoked == "Y":
                    self.notable["revoked_probation"] += 1
                rows[_SENTENCES].append(
                    (
                        charge_id,
                        typ,
                        "" if length is None else str(length),
                        unit,
                        d(start),
                        end_s,
                        revoked,
                    )
                )
        p.last = max(p.last, min(judgment, _END))
        return _Ep(arrest_id, case_id, arrest, judgment, ids)

    def _dispositions(
        self, p: _Person, charge_id: str, c: _Count, when: int | None, d: Callable[[int], str]
    ) -> None:
        disp = c.disp
        if disp is None:
            return
        rows = p.rows[_DISPOSITIONS]
        date_s = "" if when is None else d(when)
        if disp == "plea_in_abeyance_completed":
            rows.append((charge_id, date_s, "plea_in_abeyance"))
            assert c.later is not None
            rows.append((charge_id, d(c.later), disp))
            p.last = max(p.last, c.later)
            self.notable["multi_disposition_charges"] += 1
        elif disp == "pardoned":
            rows.append((charge_id, date_s, "convicted"))
            assert c.later is not None
            rows.append((charge_id, d(c.later), disp))
            p.last = max(p.last, c.later)
            self.notable["multi_disposition_charges"] += 1
            self.notable["convictions"] += 1
        else:
            rows.append((charge_id, date_s, disp))
            if disp == "convicted":
                self.notable["convictions"] += 1
                if when is not None:
                    p.convictions.append((when, c.ch))

    def _grade(self, ch: _Ch) -> str:
        return ch.grade

    def _max(self, ch: _Ch) -> str:
        return ch.max_years

    def _supervision(
        self, p: _Person, typ: str, agency: str, start: int, end: int | None, exact: bool = False
    ) -> None:
        """A supervision period; end None or after the extract date = still active (blank)."""
        active = end is None or end > _END
        if active:
            self.notable["active_supervision"] += 1
        else:
            p.last = max(p.last, end)  # type: ignore[arg-type]
        p.rows[_SUPERVISION].append(
            (
                p.pid,
                typ,
                agency,
                _iso(start) if exact else self._d(start),
                "" if active else _iso(end),  # type: ignore[arg-type]
            )
        )

    def _registration(self, p: _Person, typ: str, start: int, end: int | None) -> None:
        p.rows[_REGISTRATIONS].append(
            (p.pid, typ, self._d(start), "" if end is None or end > _END else _iso(end))
        )

    def _conv(
        self, ch: _Ch, sent: tuple[tuple[str, int | None, str, str, int | None], ...] = ()
    ) -> _Count:
        return _Count(ch, "convicted", sent)

    # ---- ordinary episodes (state specific) ---------------------------------------------------

    @abstractmethod
    def _ordinary_episode(self, p: _Person, arrest: int, last: bool) -> None:
        """State specific: each state's generator implements it."""

    def _serious_episode(self, p: _Person, arrest: int) -> None:
        """A serious felony conviction with prison; sex offenses register."""
        rnd = self.rng.random
        off = self.serious[int(rnd() * len(self.serious))]
        ch = off.variants[0]
        tl = self._timeline(arrest=arrest)
        if tl[3] > _END:
            tl = self._timeline(judgment=_END - int(rnd() * 60))
        years = 4 + int(rnd() * 12)
        self._episode(p, [self._conv(ch, (("prison", years, "Y", "N", None),))], tl)
        release = _add_months(tl[3], int(years * 12 * (0.5 + 0.4 * rnd())))
        if release < _END:
            self._supervision(p, "parole", "DOC", release, _add_months(release, 36))
        if ch.statute in _SEX_OFFENSES:
            self._registration(p, "sex_offender", min(release, _END), None)


# --------------------------------------------------------------------------------------------
# Utah


class _Utah(_Generator):
    state = "UT"
    counties = ("SALT LAKE", "UTAH", "DAVIS", "WEBER", "WASHINGTON", "CACHE", "TOOELE", "IRON")
    pool = _Pool(_UT_OFFENSES, _UT_SERIOUS)
    serious = _UT_SERIOUS
    _COURT_CODES = dict(zip(counties, (41, 42, 43, 44, 45, 46, 47, 48), strict=True))
    _CITY_PD = dict(
        zip(
            counties,
            ("SALT LAKE CITY PD", "PROVO PD", "LAYTON PD", "OGDEN PD", "ST GEORGE PD",
             "LOGAN PD", "TOOELE CITY PD", "CEDAR CITY PD"),
            strict=True,
        )
    )  # fmt: skip

    def _dv_ok(self, ch: _Ch) -> bool:
        return ch.grade in ("B", "C")

    def _case_id(self, filing: int, counts: Sequence[_Count], county: str) -> str:
        self.n_case += 1
        yy = date.fromordinal(filing).year % 100
        district = any(c.ch.felony or c.ch.grade == "A" for c in counts)
        return f"{yy:02d}{'19' if district else '27'}{self.n_case:07d}"

    def _court(self, county: str, counts: Sequence[_Count]) -> str:
        if any(c.ch.felony or c.ch.grade == "A" for c in counts):
            return f"{county} DISTRICT COURT"
        return f"{county} COUNTY JUSTICE COURT"

    def _agency(self, county: str, counts: Sequence[_Count]) -> str:
        if all(c.ch.traffic for c in counts):
            return "UTAH HIGHWAY PATROL"
        return self._CITY_PD[county] if self.rng.random() < 0.6 else f"{county} COUNTY SHERIFF"

    def _sentence(self, ch: _Ch) -> tuple[tuple[str, int | None, str, str, int | None], ...]:
        rnd = self.rng.random
        r = rnd()
        if ch.level == "infraction":
            return (("fine", None, "", "", None),)
        if ch.felony:
            if r < 0.3:
                return (("prison", 5 if ch.max_years == "5" else 15, "Y", "N", None),)
            return (
                ("probation", 36, "M", "N", None),
                ("jail", 30 + int(rnd() * 335), "D", "N", None),
            )
        cap = {"A": 365, "B": 180, "C": 90}.get(ch.grade, 90)
        if r < 0.45:
            return (
                ("probation", (12, 18, 24)[int(rnd() * 3)], "M", "N", None),
                ("jail", 1 + int(rnd() * cap), "D", "N", None),
            )
        if r < 0.8:
            return (("fine", None, "", "", None),)
        return (("jail", 1 + int(rnd() * cap), "D", "N", None),)

    def _restitution(self, counts: Sequence[_Count]) -> str:
        rnd = self.rng.random
        owed = any(
            c.disp == "convicted" and c.ch.statute in ("76-6-602", "76-6-404", "76-6-106")
            for c in counts
        )
        if owed and rnd() < 0.3:
            return f"{25 + int(rnd() * 2400)}.{int(rnd() * 100):02d}"
        return "0"

    def _ordinary_episode(self, p: _Person, arrest: int, last: bool) -> None:
        rnd = self.rng.random
        drawn = self._counts_drawn()
        if drawn[0][0].statute == "58-37-8(2)(a)(i)" and len(drawn) == 1 and rnd() < 0.5:
            drawn.append((self._variant("58-37a-5(1)"), False))  # possession + paraphernalia
        tl = self._timeline(arrest=arrest)
        judgment = tl[3]
        counts = [_Count(ch, None, dv=dv) for ch, dv in drawn]
        if judgment > _END or (last and arrest > _RECENT and rnd() < 0.3):
            for c in counts:
                c.disp = "pending" if rnd() < 0.9 else None
        else:
            r = rnd()
            if r < 0.72:
                for k, c in enumerate(counts):
                    x = rnd()
                    if k == 0 or x < 0.55:
                        c.disp, c.sent = "convicted", self._sentence(c.ch)
                    else:
                        c.disp = (
                            "dismissed_without_prejudice"
                            if x < 0.85
                            else ("dismissed_with_prejudice")
                        )
            elif r < 0.80:
                later = _add_months(judgment, 12 + int(rnd() * 24))
                for c in counts:
                    if later <= _END:
                        c.disp, c.later = "plea_in_abeyance_completed", later
                    else:
                        c.disp = "plea_in_abeyance"
            else:
                disp = (
                    "dismissed_with_prejudice" if r < 0.86
                    else "dismissed_without_prejudice" if r < 0.93
                    else "acquitted" if r < 0.995
                    else "ngri"
                )  # fmt: skip
                for c in counts:
                    c.disp = disp
        ep_id = self._episode_id()
        self._episode(p, counts, tl, restitution=self._restitution(counts), episode_id=ep_id)
        if rnd() < 0.04 and tl[1] + 40 < _END:  # a second arrest in the same criminal episode
            ch, dv = self._draw()
            tl2 = self._timeline(arrest=tl[1] + 1 + int(rnd() * 30))
            c2 = _Count(ch, "convicted" if tl2[3] <= _END else "pending", dv=dv)
            if c2.disp == "convicted":
                c2.sent = self._sentence(ch)
            self._episode(p, [c2], tl2, episode_id=ep_id)
        for c in counts:
            if c.disp == "convicted" and c.ch.felony:
                self._ut_felony_supervision(p, judgment, c)
                break

    def _ut_felony_supervision(self, p: _Person, judgment: int, c: _Count) -> None:
        typ, length = c.sent[0][0], c.sent[0][1] or 0
        if typ == "probation":
            self._supervision(p, "probation", "DOC", judgment, _add_months(judgment, length))
        elif typ == "prison":
            release = _add_months(judgment, 12 + int(self.rng.random() * 36))
            if release < _END:
                self._supervision(p, "parole", "DOC", release, _add_months(release, 36))

    # ---- scripted people ----------------------------------------------------------------------

    def _one_case(
        self,
        p: _Person,
        counts: list[_Count],
        judgment: int,
        restitution: str = "0",
        exact: bool = True,
    ) -> _Ep:
        return self._episode(p, counts, self._timeline(judgment=judgment), exact=exact,
                             restitution=restitution)  # fmt: skip

    def _b_conviction(self, p: _Person, y1: int, y2: int) -> _Ep:
        st = ("76-6-602", "76-6-206", "76-8-305", "58-37a-5(1)")[int(self.rng.random() * 4)]
        ch = self._variant(st, "B")
        return self._one_case(p, [self._conv(ch, self._sentence(ch))], self._between(y1, y2))

    def _s_u01_retail_theft_b(self, p: _Person) -> None:
        ch = self._variant("76-6-602", "B")
        self._one_case(p, [self._conv(ch, (("fine", None, "", "", None),))],
                       self._between(2010, 2018))  # fmt: skip

    def _s_u02_simple_assault_b(self, p: _Person) -> None:
        ch = self._variant("76-5-102", "B")
        self._one_case(p, [self._conv(ch, self._sentence(ch))], self._between(2008, 2018))

    def _s_u03_possession_a_recent(self, p: _Person) -> None:
        ch = self._variant("58-37-8(2)(a)(i)", "A")
        self._one_case(p, [self._conv(ch, self._sentence(ch))], self._between(2019, 2022))

    def _s_u04_possession_a_paraphernalia_b(self, p: _Person) -> None:
        a, b = self._variant("58-37-8(2)(a)(i)", "A"), self._variant("58-37a-5(1)", "B")
        self._one_case(p, [self._conv(a, self._sentence(a)), self._conv(b, self._sentence(b))],
                       self._between(2010, 2016))  # fmt: skip

    def _s_u05_possession_b_dui_a(self, p: _Person) -> None:
        a, b = self._variant("58-37-8(2)(a)(i)", "B"), self._variant("41-6a-502", "A")
        self._one_case(p, [self._conv(a, self._sentence(a)), self._conv(b, self._sentence(b))],
                       self._between(2008, 2019))  # fmt: skip

    def _pia(self, p: _Person, ch: _Ch, dismissed: int) -> None:
        plea = _add_months(dismissed, -(12 + int(self.rng.random() * 12)))
        self._one_case(p, [_Count(ch, "plea_in_abeyance_completed", later=dismissed)], plea)

    def _s_u06_felony_pia_completed(self, p: _Person) -> None:
        self._pia(p, self._variant("58-37-8(1)(a)(ii)", level="felony"), self._between(2015, 2020))

    def _s_u07_class_c_pia_completed(self, p: _Person) -> None:
        st = ("76-9-102", "76-6-106", "76-6-206", "76-6-602")[int(self.rng.random() * 4)]
        self._pia(p, self._variant(st, "C"), self._between(2017, 2020))

    def _whole_case(self, p: _Person, disp: str, when: int) -> None:
        drawn = [(ch, dv) for ch, dv in self._counts_drawn() if not ch.traffic]
        drawn = drawn or [(self._variant("76-6-404", "B"), False)]
        self._one_case(p, [_Count(ch, disp, dv=dv) for ch, dv in drawn], when)

    def _s_u08_acquitted(self, p: _Person) -> None:
        recent = self.rng.random() < 0.4
        when = _AS_OF - 1 - int(self.rng.random() * 55) if recent else self._between(2012, 2024)
        self._whole_case(p, "acquitted", when)

    def _s_u09_ngri(self, p: _Person) -> None:
        self._whole_case(p, "ngri", self._between(2005, 2024))

    def _s_u10_dismissed_with_prejudice(self, p: _Person) -> None:
        self._whole_case(p, "dismissed_with_prejudice", self._between(2018, 2025))

    def _s_u11_dismissed_without_prejudice(self, p: _Person) -> None:
        self._whole_case(p, "dismissed_without_prejudice", self._between(2010, 2024))

    def _open_case(self, p: _Person, counts: list[_Count]) -> None:
        arrest = min(self._between(2024, 2025), _END - 50)
        tl = self._timeline(arrest=arrest)
        self._episode(p, counts, (tl[0], tl[1], min(tl[2], _END), tl[3]), exact=True)

    def _s_u12_open_misdemeanor_case(self, p: _Person) -> None:
        self._b_conviction(p, 2010, 2016)
        ch = self._variant(("76-6-602", "76-6-404", "76-8-305")[int(self.rng.random() * 3)], "B")
        self._open_case(p, [_Count(ch, "pending")])

    def _s_u13_open_traffic_case(self, p: _Person) -> None:
        self._b_conviction(p, 2010, 2016)
        counts = [_Count(self._variant("41-6a-601"), "pending")]
        if self.rng.random() < 0.4:
            counts.append(_Count(self._variant("41-6a-305"), "pending"))
        self._open_case(p, counts)

    def _s_u14_five_misdemeanor_episodes(self, p: _Person) -> None:
        rnd = self.rng.random
        n = 5 + (rnd() < 0.3)
        when = self._between(2000, 2005)
        for _ in range(n):
            st = ("76-6-602", "76-6-404", "76-8-305", "76-6-206", "58-37-8(2)(a)(i)")[
                int(rnd() * 5)
            ]
            ch = self._variant(st, "A" if st == "58-37-8(2)(a)(i)" else "B")
            self._one_case(p, [self._conv(ch, self._sentence(ch))], when)
            when = _add_months(when, 5 + int(rnd() * 20))

    def _s_u15_infractions_traffic_only(self, p: _Person) -> None:
        rnd = self.rng.random
        when = self._between(2005, 2012)
        for _ in range(3 + int(rnd() * 4)):
            st = ("41-6a-601", "41-6a-305", "76-9-102")[int(rnd() * 3)]
            ch = self._variant(st, "IN") if st == "76-9-102" else self._variant(st)
            self._one_case(p, [self._conv(ch, (("fine", None, "", "", None),))], when)
            when = _add_months(when, 3 + int(rnd() * 18))

    def _s_u16_dv_mischief_b(self, p: _Person) -> None:
        ch = self._variant("76-6-106", "B")
        c = self._conv(ch, self._sentence(ch))
        c.dv = True
        self._one_case(p, [c], self._between(2008, 2018))

    def _s_u17_restitution_owed(self, p: _Person) -> None:
        rnd = self.rng.random
        ch = self._variant(("76-6-602", "76-6-404", "76-6-106")[int(rnd() * 3)], "B")
        owed = f"{50 + int(rnd() * 1500)}.{int(rnd() * 100):02d}"
        self._one_case(p, [self._conv(ch, self._sentence(ch))], self._between(2010, 2017), owed)

    def _s_u18_doc_supervision_active(self, p: _Person) -> None:
        self._b_conviction(p, 2008, 2014)
        ch = self._variant(("76-6-404", "76-6-202")[int(self.rng.random() * 2)], level="felony")
        ep = self._one_case(p, [self._conv(ch, (("probation", 36, "M", "N", None),))],
                            self._between(2023, 2024))  # fmt: skip
        self._supervision(p, "probation", "DOC", ep.judgment, None, exact=True)

    def _s_u_pia_pending(self, p: _Person) -> None:
        st = ("58-37-8(2)(a)(i)", "76-6-602", "76-6-206")[int(self.rng.random() * 3)]
        self._one_case(p, [_Count(self._variant(st), "plea_in_abeyance")],
                       self._between(2024, 2025))  # fmt: skip

    def _s_u_shared_episode(self, p: _Person) -> None:
        ep_id = self._episode_id()
        tl = self._timeline(judgment=self._between(2005, 2020))
        ch = self._variant("76-6-404")
        self._episode(p, [self._conv(ch, self._sentence(ch))], tl, episode_id=ep_id, exact=True)
        tl2 = self._timeline(arrest=tl[1] + 2 + int(self.rng.random() * 20))
        ch2 = self._variant("76-8-305")
        self._episode(p, [self._conv(ch2, self._sentence(ch2))], tl2, episode_id=ep_id,
                      exact=True)  # fmt: skip


# --------------------------------------------------------------------------------------------
# Pennsylvania


class _Pennsylvania(_Generator):
    state = "PA"
    counties = (
        "PHILADELPHIA", "ALLEGHENY", "MONTGOMERY", "BUCKS", "DELAWARE", "LANCASTER", "ERIE",
        "DAUPHIN",
    )  # fmt: skip
    pool = _Pool(_PA_OFFENSES, _PA_SERIOUS)
    serious = _PA_SERIOUS
    _CODES = dict(zip(counties, ("51", "02", "46", "09", "23", "36", "25", "22"), strict=True))
    _OTN_LETTERS = "NRTGKLU"

    def _episode_id(self) -> str:
        self.n_episode += 1
        d = int(self.otn(self.n_episode))
        return f"{self._OTN_LETTERS[d % 7]} {d // 10 % 1_000_000:06d}-{d % 10}"

    def _case_id(self, filing: int, counts: Sequence[_Count], county: str) -> str:
        self.n_case += 1
        n, year, cc = self.n_case, date.fromordinal(filing).year, self._CODES[county]
        if all(c.ch.level == "summary" for c in counts):
            kind = "TR" if all(c.ch.traffic for c in counts) else "NT"
            return f"MJ-{cc}{n % 3 + 1}{n % 9 + 1:02d}-{kind}-{n:07d}-{year}"
        return f"CP-{cc}-CR-{n:07d}-{year}"

    def _court(self, county: str, counts: Sequence[_Count]) -> str:
        if all(c.ch.level == "summary" for c in counts):
            n = self.n_case
            return f"MAGISTERIAL DISTRICT COURT {self._CODES[county]}-{n % 3 + 1}-{n % 9 + 1:02d}"
        return f"COURT OF COMMON PLEAS - {county} COUNTY"

    def _agency(self, county: str, counts: Sequence[_Count]) -> str:
        if self.rng.random() < 0.2:
            return "PENNSYLVANIA STATE POLICE"
        if county == "PHILADELPHIA":
            return "PHILADELPHIA POLICE DEPT"
        return f"{county} COUNTY REGIONAL POLICE DEPT"

    def _grade(self, ch: _Ch) -> str:
        return "" if self.rng.random() < 0.03 else ch.grade  # ungraded / unknown

    def _max(self, ch: _Ch) -> str:
        return "" if self.rng.random() < 0.03 else ch.max_years

    def _sentence(self, ch: _Ch) -> tuple[tuple[str, int | None, str, str, int | None], ...]:
        """PA confinement is min-max: `length` is the minimum, the end date the maximum."""
        rnd = self.rng.random
        r = rnd()
        if ch.level == "summary":
            if r < 0.85:
                return (("fine", None, "", "", None),)
            return (("probation", 90, "D", "N", None),)
        if ch.felony:
            if r < 0.35:
                mn = 1 + int(rnd() * 5)
                return (("prison", mn, "Y", "N", 2 * mn),)
            if r < 0.55:
                mn = 3 + int(rnd() * 9)
                return (("jail", mn, "M", "N", 23), ("probation", 24, "M", "N", None))
            return (("probation", (24, 36, 48, 60)[int(rnd() * 4)], "M", "N", None),)
        if r < 0.55:
            return (("probation", (6, 12, 18, 24)[int(rnd() * 4)], "M", "N", None),)
        if r < 0.75:
            mn = 2 + int(rnd() * 88)
            return (("jail", mn, "D", "N", 2 * mn),)
        return (("fine", None, "", "", None),)

    def _restitution(self, counts: Sequence[_Count]) -> str:
        rnd = self.rng.random
        r = rnd()
        if r < 0.03:
            return ""
        convicted = any(c.disp in ("convicted", "pardoned") for c in counts)
        if convicted and r < 0.15:
            return f"{20 + int(rnd() * 3000)}.{int(rnd() * 100):02d}"
        return "0"

    def _ordinary_episode(self, p: _Person, arrest: int, last: bool) -> None:
        rnd = self.rng.random
        drawn = self._counts_drawn()
        if rnd() < 0.15:
            drawn.append(self._draw())  # PA complaints often list many counts
        tl = self._timeline(arrest=arrest)
        judgment = tl[3]
        counts = [_Count(ch, None, dv=dv) for ch, dv in drawn]
        if judgment > _END or (last and arrest > _RECENT and rnd() < 0.25):
            for c in counts:
                c.disp = "pending" if rnd() < 0.8 else None
        else:
            r = rnd()
            if r < 0.62:
                for k, c in enumerate(counts):
                    x = rnd()
                    if k == 0 or x < 0.35:
                        c.disp, c.sent = "convicted", self._sentence(c.ch)
                        if rnd() < 0.004:
                            later = judgment + 5 * _YEAR + int(rnd() * 20 * _YEAR)
                            if later < _END:
                                c.disp, c.later = "pardoned", later
                    else:
                        c.disp = "withdrawn" if x < 0.75 else "nolle_prossed"
            else:
                disp = (
                    "withdrawn" if r < 0.74
                    else "nolle_prossed" if r < 0.82
                    else "dismissed" if r < 0.93
                    else "acquitted"
                )  # fmt: skip
                for c in counts:
                    c.disp = disp
        self._episode(p, counts, tl, restitution=self._restitution(counts))
        for c in counts:
            if c.disp == "convicted" and c.ch.felony and c.sent:
                typ, length, unit, _, mx = c.sent[0]
                if typ == "prison":
                    release = _after(judgment, length or 0, unit)
                    if release < _END:
                        self._supervision(
                            p, "parole", "DOC", release, _after(judgment, mx or 0, unit)
                        )
                elif typ == "probation":
                    self._supervision(
                        p, "probation", "COUNTY", judgment, _after(judgment, length or 0, unit)
                    )
                break

    # ---- scripted people ----------------------------------------------------------------------

    def _one(
        self,
        p: _Person,
        counts: list[_Count],
        judgment: int,
        restitution: str = "0",
    ) -> _Ep:
        return self._episode(p, counts, self._timeline(judgment=judgment), exact=True,
                             restitution=restitution)  # fmt: skip

    def _conv_s(self, statute: str, grade: str) -> _Count:
        ch = self._variant(statute, grade)
        return self._conv(ch, self._sentence(ch))

    def _whole(self, p: _Person, disp: str, when: int) -> None:
        drawn = self._counts_drawn()
        self._one(p, [_Count(ch, disp, dv=dv) for ch, dv in drawn], when)

    def _s_pa01_withdrawn(self, p: _Person) -> None:
        recent = self.rng.random() < 0.4
        when = _AS_OF - 1 - int(self.rng.random() * 150) if recent else self._between(2010, 2024)
        self._whole(p, "withdrawn", when)

    def _s_pa01_nolle_prossed(self, p: _Person) -> None:
        self._whole(p, "nolle_prossed", self._between(2005, 2025))

    def _s_pa02_summary_retail_theft(self, p: _Person) -> None:
        self._one(p, [self._conv_s("18 § 3929", "S")], self._between(2015, 2020))

    def _s_pa03_m2_only(self, p: _Person) -> None:
        st = ("18 § 3921 §§ A", "18 § 3929", "18 § 3304")[int(self.rng.random() * 3)]
        self._one(p, [self._conv_s(st, "M2")], self._between(2012, 2017))

    def _s_pa04_m3_then_summary(self, p: _Person) -> None:
        st = ("18 § 5503", "18 § 3921 §§ A", "18 § 2709")[int(self.rng.random() * 3)]
        self._one(p, [self._conv_s(st, "M3")], self._between(2014, 2017))
        st2 = ("18 § 5505", "18 § 6308", "75 § 3362")[int(self.rng.random() * 3)]
        self._one(p, [self._conv_s(st2, "S")], self._between(2020, 2023))

    def _s_pa05_m3_then_m_ge_1y(self, p: _Person) -> None:
        self._one(p, [self._conv_s("18 § 3921 §§ A", "M3")], self._between(2014, 2017))
        self._one(p, [self._conv_s("75 § 3802", ("M1", "M2")[int(self.rng.random() * 2)])],
                  self._between(2019, 2022))  # fmt: skip

    def _s_pa06_simple_assault_m2(self, p: _Person) -> None:
        self._one(p, [self._conv_s("18 § 2701", "M2")], self._between(2008, 2020))

    def _s_pa07_felony_then_m3(self, p: _Person) -> None:
        rnd = self.rng.random
        st, g = (("18 § 3502", "F1"), ("18 § 3502", "F2"), ("18 § 3921 §§ A", "F3"))[int(rnd() * 3)]
        self._one(p, [self._conv_s(st, g)], self._between(1990, 2000))
        self._one(p, [self._conv_s("18 § 3921 §§ A", "M3")], self._between(2010, 2016))

    def _s_pa08_four_m2(self, p: _Person) -> None:
        rnd = self.rng.random
        when = self._between(1998, 2008)
        for _ in range(4 + (rnd() < 0.3)):
            st = ("18 § 3921 §§ A", "18 § 3929", "18 § 3304", "18 § 3127")[int(rnd() * 4)]
            self._one(p, [self._conv_s(st, "M2")], when)
            when = _add_months(when, 6 + int(rnd() * 30))

    def _s_pa09_restitution_unknown(self, p: _Person) -> None:
        st, g = (("18 § 3921 §§ A", "M3"), ("18 § 3921 §§ A", "M2"), ("18 § 3929", "M2"))[
            int(self.rng.random() * 3)
        ]
        self._one(p, [self._conv_s(st, g)], self._between(2010, 2018), restitution="")

    def _drug_felony(self, p: _Person, judgment: int, mn: int, mx: int) -> None:
        ch = self._variant("35 § 780-113(a)(30)", "F")
        typ = "prison" if mn >= 2 else "jail"
        self._one(p, [self._conv(ch, ((typ, mn, "Y", "N", mx),))], judgment)
        release = _add_months(judgment, 12 * mn)
        if release < _END:
            self._supervision(p, "parole", "DOC", release, _add_months(judgment, 12 * mx), True)

    def _s_pa10_drug_felony_short(self, p: _Person) -> None:
        self._drug_felony(p, self._between(2008, 2013), 1, 2)

    def _s_pa11_drug_felony_3_6y(self, p: _Person) -> None:
        self._drug_felony(p, self._between(2005, 2016), 3, 6)

    def _s_pa12_pardoned(self, p: _Person) -> None:
        rnd = self.rng.random
        st, g = (("18 § 3921 §§ A", "M1"), ("35 § 780-113(a)(30)", "F"), ("18 § 3502", "F2"))[
            int(rnd() * 3)
        ]
        c = self._conv_s(st, g)
        judgment = self._between(1985, 2005)
        c.disp, c.later = "pardoned", self._between(2015, 2024, lo=judgment + 8 * _YEAR)
        self._one(p, [c], judgment)


# --------------------------------------------------------------------------------------------
# California


class _California(_Generator):
    state = "CA"
    restitution_default = ""  # the DOJ repository has no court financial data
    counties = ("SAN JOAQUIN", "SACRAMENTO", "LOS ANGELES", "ALAMEDA", "FRESNO", "YOLO")
    pool = _Pool(_CA_OFFENSES, _CA_SERIOUS)
    serious = _CA_SERIOUS

    def _case_id(self, filing: int, counts: Sequence[_Count], county: str) -> str:
        self.n_case += 1
        yy = date.fromordinal(filing).year % 100
        kind = "F" if any(c.ch.felony for c in counts) else ("M", "CR")[self.n_case % 2]
        return f"{yy:02d}{kind}{self.n_case:06d}"

    def _court(self, county: str, counts: Sequence[_Count]) -> str:
        return f"CASC {county}"

    def _agency(self, county: str, counts: Sequence[_Count]) -> str:
        if all(c.ch.traffic for c in counts):
            return "CAHP " + county
        return ("CASO ", "CAPD ")[self.rng.random() < 0.5] + county

    def _sentence(
        self, ch: _Ch, judgment: int
    ) -> tuple[tuple[str, int | None, str, str, int | None], ...]:
        rnd = self.rng.random
        r = rnd()
        if ch.level == "infraction":
            return (("fine", None, "", "", None),)
        if ch.felony:
            if r < 0.18:
                if rnd() < 0.3:
                    return (("prison", 16, "M", "N", None),)
                return (("prison", 2 + int(rnd() * 4), "Y", "N", None),)
            if r < 0.7:
                rev = "Y" if rnd() < 0.15 else "N"
                return (
                    ("probation", (36, 36, 60)[int(rnd() * 3)], "M", rev, None),
                    ("jail", 30 + int(rnd() * 335), "D", "N", None),
                )
            return (("jail", (16, 24, 36)[int(rnd() * 3)], "M", "N", None),)
        if r < 0.45:
            rev = "Y" if rnd() < 0.07 else "N"
            sent = (("probation", 1 + int(rnd() * 3), "Y", rev, None),)
            if rnd() < 0.6:
                sent += (("jail", 1 + int(rnd() * 90), "D", "N", None),)
            return sent
        if r < 0.85:
            return (("jail", 1 + int(rnd() * 180), "D", "N", None),)
        return (("fine", None, "", "", None),)

    def _ordinary_episode(self, p: _Person, arrest: int, last: bool) -> None:
        rnd = self.rng.random
        drawn = self._counts_drawn()
        tl = self._timeline(arrest=arrest)
        judgment = tl[3]
        counts = [_Count(ch, None, dv=dv) for ch, dv in drawn]
        if rnd() < 0.12:  # arrest, no court action
            rejected = rnd() < 0.45
            for c in counts:
                c.disp = "prosecutor_rejected" if rejected else None
            when = min(_END, tl[1] + 3 + int(rnd() * 60))
            self._episode(p, counts, tl, filed=False, reject_date=when)
            return
        if judgment > _END or (last and arrest > _RECENT and rnd() < 0.25):
            for c in counts:
                c.disp = "pending" if rnd() < 0.6 else None
        else:
            r = rnd()
            drugs = counts[0].ch.statute.endswith("HS")
            if r < 0.62:
                for k, c in enumerate(counts):
                    if k == 0 or rnd() < 0.3:
                        c.disp, c.sent = "convicted", self._sentence(c.ch, judgment)
                    else:
                        c.disp = "dismissed"
            else:
                disp = (
                    "dismissed" if r < 0.86
                    else "acquitted" if r < 0.9
                    else "diversion_completed" if drugs
                    else "dismissed"
                )  # fmt: skip
                for c in counts:
                    c.disp = disp
        self._episode(p, counts, tl)
        self._after_conviction(p, counts, judgment)

    def _after_conviction(self, p: _Person, counts: Sequence[_Count], judgment: int) -> None:
        """Supervision / registration that follow a conviction."""
        rnd = self.rng.random
        for c in counts:
            if c.disp != "convicted":
                continue
            if c.ch.statute.endswith("HS") and judgment < _CA_NARCOTICS_REPEAL and rnd() < 0.04:
                self._registration(
                    p, "narcotics", judgment + 30,
                    min(_CA_NARCOTICS_REPEAL, _add_months(judgment, 60)),
                )  # fmt: skip
            if not c.ch.felony or not c.sent:
                continue
            typ, length, unit, _, _ = c.sent[0]
            end = _after(judgment, length or 0, unit)
            if typ == "prison":
                release = _add_months(
                    judgment, int((length or 0) * (12 if unit == "Y" else 1) * 0.6)
                )
                if release < _END:
                    kind, agency = ("parole", "DOC") if rnd() < 0.75 else ("prcs", "COUNTY")
                    self._supervision(p, kind, agency, release, _add_months(release, 36))
            elif typ == "probation" and rnd() < 0.5:
                self._supervision(p, "probation", "COUNTY", judgment, end)
            elif typ == "jail" and end < _END and rnd() < 0.2:
                self._supervision(p, "mandatory_supervision", "COUNTY", end, _add_months(end, 12))
            break

    # ---- scripted people ----------------------------------------------------------------------

    def _one(self, p: _Person, counts: list[_Count], judgment: int) -> _Ep:
        return self._episode(p, counts, self._timeline(judgment=judgment), exact=True)

    def _misd(self) -> _Ch:
        st = ("484 PC", "488 PC", "647(F) PC", "23152(A) VC", "148(A)(1) PC")[
            int(self.rng.random() * 5)
        ]
        return self._variant(st, level="misdemeanor")

    def _s_c01_misd_jail_judgment_old(self, p: _Person) -> None:
        when = self._between(2018, 2024)
        when = min(when, _o(2024, 6, 30))
        self._one(p, [self._conv(self._misd(), (("jail", 30, "D", "N", None),))], when)

    def _s_c02_misd_jail_judgment_recent(self, p: _Person) -> None:
        when = _o(2024, 7, 15) + int(self.rng.random() * 335)
        self._one(p, [self._conv(self._misd(), (("jail", 30, "D", "N", None),))], when)

    def _s_c03_felony_probation_complete(self, p: _Person) -> None:
        ch = self._variant("10851 VC", level="felony")
        when = self._between(2010, 2019)
        self._one(p, [self._conv(ch, (("probation", 3, "Y", "N", None),))], when)

    def _revoked(self, p: _Person, y1: int, y2: int) -> int:
        """A felony with revoked probation, jail on revocation; returns the supervision end."""
        rnd = self.rng.random
        ch = self._variant(("10851 VC", "496(A) PC")[int(rnd() * 2)], level="felony")
        when = self._between(y1, y2)
        sent = (("probation", 36, "M", "Y", None), ("jail", 180 + int(rnd() * 185), "D", "N", None))
        self._one(p, [self._conv(ch, sent)], when)
        end = _add_months(when, 24 + int(rnd() * 12))
        self._supervision(p, "probation", "COUNTY", when, end, exact=True)
        return end

    def _s_c04_probation_revoked(self, p: _Person) -> None:
        self._revoked(p, 2013, 2018)

    def _s_c05_revoked_then_new_felony(self, p: _Person) -> None:
        end = self._revoked(p, 2012, 2016)
        ch = self._variant(("496(A) PC", "11378 HS")[int(self.rng.random() * 2)], level="felony")
        when = _add_months(end, 12 + int(self.rng.random() * 30))
        self._one(p, [self._conv(ch, (("jail", 16, "M", "N", None),))], when)

    def _s_c06_burglary_459(self, p: _Person) -> None:
        ch = self._variant("459 PC", level="felony")
        when = self._between(2000, 2020)
        self._one(p, [self._conv(ch, self._sentence(ch, when))], when)

    def _s_c07_sex_offender_registered(self, p: _Person) -> None:
        rnd = self.rng.random
        self._one(p, [self._conv(self._misd(), (("fine", None, "", "", None),))],
                  self._between(1985, 1992))  # fmt: skip
        off = (_CA_SERIOUS[1], _CA_SERIOUS[2])[int(rnd() * 2)]
        when = self._between(1993, 2005)
        self._one(p, [self._conv(off.variants[0], (("prison", 6, "Y", "N", None),))], when)
        release = _add_months(when, 60)
        self._supervision(p, "parole", "DOC", release, _add_months(release, 36), exact=True)
        self._registration(p, "sex_offender", release, None)

    def _s_c08_active_parole(self, p: _Person) -> None:
        rnd = self.rng.random
        self._one(p, [self._conv(self._misd(), (("jail", 10, "D", "N", None),))],
                  self._between(2000, 2010))  # fmt: skip
        ch = self._variant(("211 PC", "11378 HS", "10851 VC")[int(rnd() * 3)], level="felony")
        when = self._between(2018, 2021)
        self._one(p, [self._conv(ch, (("prison", 2, "Y", "N", None),))], when)
        self._supervision(p, "parole", "DOC", _add_months(when, 16), None, exact=True)

    def _s_c09_pending_case(self, p: _Person) -> None:
        rnd = self.rng.random
        self._one(p, [self._conv(self._misd(), (("fine", None, "", "", None),))],
                  self._between(2005, 2014))  # fmt: skip
        disp = "pending" if rnd() < 0.5 else None
        ch, dv = self._draw()
        arrest = self._between(2018, 2021)
        self._episode(p, [_Count(ch, disp, dv=dv)], self._timeline(arrest=arrest), exact=True)

    def _s_c10_conviction_before_1973(self, p: _Person) -> None:
        rnd = self.rng.random
        p.dob = _o(1930) + int(rnd() * 15 * _YEAR)
        ch = self._misd() if rnd() < 0.5 else self._variant("459 PC", level="felony")
        arrest = _o(1970) + int(rnd() * 2 * _YEAR)  # judgment before 1973-01-01
        tl = self._timeline(arrest=arrest)
        tl = (tl[0], arrest, tl[2], min(tl[3], arrest + 300))
        self._episode(p, [self._conv(ch, (("jail", 60, "D", "N", None),))], tl, exact=True)

    def _s_c11_prison_parole_discharged(self, p: _Person) -> None:
        rnd = self.rng.random
        ch = self._variant(("10851 VC", "11378 HS", "496(A) PC")[int(rnd() * 3)], level="felony")
        discharged = self._between(2015, 2021)
        release = _add_months(discharged, -36)
        when = _add_months(release, -(18 + int(rnd() * 12)))
        self._one(p, [self._conv(ch, (("prison", 3, "Y", "N", None),))], when)
        self._supervision(p, "parole", "DOC", release, discharged, exact=True)

    def _no_case(self, p: _Person, ch: _Ch, y1: int, y2: int) -> None:
        rnd = self.rng.random
        arrest = self._between(y1, y2)
        tl = (arrest, arrest, arrest, arrest)
        disp = "prosecutor_rejected" if rnd() < 0.5 else None
        when = min(_END, arrest + 5 + int(rnd() * 40))
        self._episode(p, [_Count(ch, disp)], tl, filed=False, exact=True, reject_date=when)

    def _s_a01_misd_arrest_no_case(self, p: _Person) -> None:
        self._no_case(p, self._misd(), 2019, 2025)

    def _s_a02_felony_arrest_no_case(self, p: _Person) -> None:
        st = ("10851 VC", "11378 HS", "496(A) PC", "459 PC")[int(self.rng.random() * 4)]
        self._no_case(p, self._variant(st, level="felony"), 2020, 2025)

    def _s_a03_felony8_arrest_no_case(self, p: _Person) -> None:
        choices = (
            self.pool.by_statute["211 PC"].variants[0],
            *(o.variants[0] for o in _CA_SERIOUS),
        )
        self._no_case(p, choices[int(self.rng.random() * len(choices))], 2015, 2025)

    def _s_a04_dismissed_and_convicted(self, p: _Person) -> None:
        a = self._misd()
        b = self._variant(("11364 HS", "148(A)(1) PC", "12500(A) VC")[int(self.rng.random() * 3)])
        when = self._between(2010, 2023)
        self._one(p, [_Count(b, "dismissed"), self._conv(a, self._sentence(a, when))], when)

    def _s_a05_diversion_completed(self, p: _Person) -> None:
        st = ("11350(A) HS", "11377(A) HS", "11364 HS")[int(self.rng.random() * 3)]
        ch = self._variant(st, level="misdemeanor")
        self._one(p, [_Count(ch, "diversion_completed")], self._between(2005, 2024))


_GENERATORS: dict[str, type[_Generator]] = {"UT": _Utah, "PA": _Pennsylvania, "CA": _California}


_GENDERS = ("M", "M", "M", "F", "F", "X")
_RACES = (
    "WHITE",
    "WHITE",
    "HISPANIC",
    "HISPANIC",
    "BLACK",
    "ASIAN",
    "AMERICAN INDIAN",
    "OTHER",
    "",
)


def _demographics(pid: str) -> tuple[str, str]:
    """Gender and race for the disparity tables, from the id's checksum: deterministic without
    drawing from (and so shifting) the generator's random stream."""
    h = zlib.crc32(pid.encode())
    return _GENDERS[h % len(_GENDERS)], _RACES[(h // 7) % len(_RACES)]
