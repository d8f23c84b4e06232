"""Deterministic, streaming generator of *fabricated* CA DOJ research-file extracts.

The output has the 95-column layout of `orchestration.ingest.doj_format` (see
../shared/docs/ca-doj-research-file.md section 2 and clearance-law.md section 7.1): one row per
count x step x cycle x sentence part, grouped by subject. Every name and number is made up:
names come from small invented lists, SUBJECT_ID / CII_NUMBER from the seeded RNG.

Guarantees
* Deterministic: the same ``(rows, seed, counties, header)`` gives a byte-identical file. The
  only randomness is one ``random.Random(seed)``: no wall clock, no ``hash()``, no set iteration.
  A shorter file is a prefix of a longer one with the same seed and counties.
* Streaming: subjects are generated one at a time (at most ~80 rows each) and written through a
  buffered ``csv.writer`` (LF, QUOTE_MINIMAL); memory does not grow with ``rows``. Exactly
  ``rows`` data rows are written (the last subject may be cut short), plus the ``RECORD_ID,...``
  header line when ``header`` is true.
* Atomic: the file is written to ``<out>.tmp`` and moved into place with ``os.replace``.

Counties: each subject has a home county; ~10% of cycles happen in another county, drawn from
the *same* list (so with ``counties=[...]`` every STP_ORI_CNTY_NAME is in that list, and a
one-county list has no out-of-county rows). Names are used verbatim (DOJ writes them upper case,
e.g. ``SAN JOAQUIN``; gogen compares them byte for byte).

Hard cases (``HARD_CASES``, rates in ``NATURAL_RATES``) occur at a low natural rate. On top of
that a deterministic floor guarantees presence: a case not written for ``_WINDOW`` rows (the
first time: by a staggered offset below ``_FIRST_DUE + _SPREAD`` rows) is forced into the next
subject that can carry it. So every case appears in any file of >= 2,000 rows, whatever the seed
(except ``out_of_county`` with a single county, which is impossible).

"Prop 64 conviction" in the stats means a conviction whose charge is HS 11357, 11358, 11359 or
11360 (attempt / conspiracy forms and sale-to-minor subdivisions included, 11357.5 excluded).
"Felony" follows gogen: CONV_STAT_DESCR == FELONY, or blank and OFFENSE_TOC == F.
"""

from __future__ import annotations

import csv
import os
import random
from bisect import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import accumulate
from math import gcd
from pathlib import Path
from typing import Any

from orchestration.ingest.doj_format import COLUMNS, FIELD_COUNT, INDEX

__all__ = [
    "CODE_VARIANTS",
    "DEFAULT_COUNTIES",
    "HARD_CASES",
    "NATURAL_RATES",
    "ORDINARY_OFFENSES",
    "GenerateStats",
    "generate_extract",
]

DEFAULT_COUNTIES: tuple[str, ...] = (
    "SAN JOAQUIN",
    "SACRAMENTO",
    "LOS ANGELES",
    "ALAMEDA",
    "FRESNO",
    "YOLO",
)

# --------------------------------------------------------------------------------------------
# Column indexes (from the shared layout; never redefined here)
_SUBJECT_ID = INDEX["SUBJECT_ID"]
_CII = INDEX["CII_NUMBER"]
_NAME = INDEX["PRI_NAME"]
_GENDER = INDEX["GENDER"]
_DOB = INDEX["PRI_DOB"]
_CYC_DATE = INDEX["CYC_DATE"]
_STP_DATE = INDEX["STP_EVENT_DATE"]
_STP_TYPE = INDEX["STP_TYPE_DESCR"]
_STP_ORI = INDEX["STP_ORI_DESCR"]
_CNTY = INDEX["STP_ORI_CNTY_NAME"]
_CNT_ORDER = INDEX["CNT_ORDER"]
_OFN = INDEX["OFN"]
_OFFENSE = INDEX["OFFENSE_DESCR"]
_TOC = INDEX["OFFENSE_TOC"]
_DISP = INDEX["DISP_DESCR"]
_STAT = INDEX["CONV_STAT_DESCR"]
_SENT_LOC = INDEX["SENT_LOC_DESCR"]
_SENT_LEN = INDEX["SENT_LENGTH"]
_SENT_CODE = INDEX["SENT_TIME_CODE"]
_CYC_AGE = INDEX["CYC_AGE"]
_COMMENT = INDEX["COMMENT_TEXT"]

ARREST = "ARREST/DETAINED/CITED"
COURT = "COURT ACTION"
REGISTRATION = "REGISTRATION"
DECEASED = "DECEASED"
SEE_COMMENT = "SEE COMMENT FOR CHARGE"
REG_290 = "290 PC-REGISTRATION OF SEX OFFENDER"
REG_11590 = "11590 HS-REGISTRATION OF CONTROLLED SUBSTANCE OFFENDER"

# --------------------------------------------------------------------------------------------
# Dates (proleptic ordinals). Events fall in 1975..2024; DOB+14y < every event.
_MIN_ORD = date(1975, 1, 1).toordinal()
_MAX_ORD = date(2024, 12, 31).toordinal()
_MAX_ARREST = _MAX_ORD - 1  # a court date is strictly after its arrest date
_DOB_MIN = date(1935, 1, 1).toordinal()
_DOB_MAX = date(2006, 12, 31).toordinal()
_FOURTEEN_YEARS = 14 * 365 + 5  # > 14 calendar years whatever the leap days
_PROP64 = date(2016, 11, 9).toordinal()  # Prop 64 passed; "after" means strictly later


def _ymd(o: int) -> str:
    return date.fromordinal(o).isoformat().replace("-", "")


def _render(o: int, mode: int) -> str:
    """mode 0: YYYYMMDD; 1: year only (YYYY0000); 2: year and month (YYYYMM00)."""
    iso = date.fromordinal(o).isoformat()  # YYYY-MM-DD (years >= 1000)
    if mode == 0:
        return iso.replace("-", "")
    if mode == 1:
        return iso[:4] + "0000"
    return iso[:4] + iso[5:7] + "00"


# --------------------------------------------------------------------------------------------
# Offenses


@dataclass(frozen=True, slots=True)
class _Offense:
    form: str  # the code part as DOJ writes it, e.g. "11357(C)HS", "664-11357(C) HS"
    descr: str  # OFFENSE_DESCR: form + "-" + description
    tocs: str  # OFFENSE_TOC letters to draw from (repetition = weight)
    section: str | None  # Prop 64 section, None when not a Prop 64 charge
    superstrike: bool = False
    pc290: bool = False
    tag: str | None = None  # hard-case tag emitted when the form is written


def _off(
    form: str,
    text: str,
    tocs: str,
    section: str | None = None,
    *,
    sep: str = "-",
    superstrike: bool = False,
    pc290: bool = False,
    tagged: bool = False,
) -> _Offense:
    return _Offense(
        form,
        f"{form}{sep}{text}",
        tocs,
        section,
        superstrike,
        pc290,
        f"code:{form}" if tagged else None,
    )


# Required code-form variants (clearance-law.md 7.4, ca-doj-research-file.md 3.2, 9.1 P7/P9/P19).
CODE_VARIANTS: tuple[str, ...] = (
    "11357 HS",
    "11357(A) HS",
    "11357(C)HS",
    "11357A HS",
    "11357B2 HS",
    "11357(b)hs",
    "HS 11357",
    "11357 H&S",
    "11357 H & S",
    "11357",
    "664-11357(C) HS",
    "664/11357(C) HS",
    "664.11357(C) HS",
    "66411357(C) HS",
    "182/11360 HS",
    "11357.5 HS",
    "11359(C)(3) HS",
    "11360(A)(3)(C) HS",
    "11360(A)(3)(D) HS",
)
# Required ordinary (non-Prop-64) offenses.
ORDINARY_OFFENSES: tuple[str, ...] = (
    "503 VC",
    "459 PC",
    "11350 HS",
    "11364 HS",
    "23152(A) VC",
    "4149 BP",
    "148(A)(1) PC",
    "496 PC",
    "10851 VC",
)

# (offense, weight): the usual Prop 64 charges.
_P64_COMMON: tuple[tuple[_Offense, int], ...] = (
    (_off("11357(A) HS", "POSSESS CONCENTRATED CANNABIS", "FFM", "11357", tagged=True), 9),
    (_off("11357(B) HS", "POSSESS 28.5 GRAMS OR LESS MARIJUANA", "MMI", "11357"), 11),
    (_off("11357(C)HS", "POSSESS MARIJUANA", "MMMF", "11357", tagged=True), 10),
    (_off("11357 HS", "POSSESS MARIJUANA", "MMF", "11357", tagged=True), 7),
    (_off("11358 HS", "CULTIVATE MARIJUANA", "FFFM", "11358"), 10),
    (_off("11359 HS", "POSSESS MARIJUANA FOR SALE", "FFFFM", "11359"), 13),
    (_off("11359HS", "INTENT SELL CANNABIS", "F", "11359"), 2),
    (_off("11360(A) HS", "TRANSPORT/SELL MARIJUANA", "FFFM", "11360"), 11),
    (_off("11360 HS", "SELL/FURNISH MARIJUANA", "FFM", "11360"), 6),
)
# The odd spellings: drawn uniformly for ~10% of Prop 64 main charges.
_P64_RARE: tuple[_Offense, ...] = (
    _off("11357A HS", "POSSESS CONCENTRATED CANNABIS", "FM", "11357", tagged=True),
    _off("11357B2 HS", "POSSESS MARIJUANA UNDER 21", "MI", "11357", tagged=True),
    _off("11357(b)hs", "POSSESS MARIJUANA", "M", "11357", tagged=True),
    _off("HS 11357", "POSSESS MARIJUANA", "MF", "11357", tagged=True),
    _off("11357 H&S", "POSSESS MARIJUANA", "M", "11357", tagged=True),
    _off("11357 H & S", "POSSESS MARIJUANA", "M", "11357", tagged=True),
    _off("11357", "POSSESS MARIJUANA", "M", "11357", tagged=True),
    _off("664-11357(C) HS", "ATTEMPT POSSESS MARIJUANA", "M", "11357", tagged=True),
    _off("664/11357(C) HS", "ATTEMPT POSSESS MARIJUANA", "M", "11357", tagged=True),
    _off("664.11357(C) HS", "ATTEMPT POSSESS MARIJUANA", "M", "11357", tagged=True),
    _off("66411357(C) HS", "ATTEMPT POSSESS MARIJUANA", "M", "11357", tagged=True),
    _off("182/11360 HS", "CONSPIRACY TRANSPORT/SELL MARIJUANA", "F", "11360", tagged=True),
    _off("11359(C)(3) HS", "POSSESS MARIJUANA FOR SALE USING MINOR", "F", "11359", tagged=True),
    _off("11360(A)(3)(C) HS", "FURNISH MARIJUANA TO MINOR", "F", "11360", tagged=True),
    _off("11360(A)(3)(D) HS", "IMPORT MARIJUANA INTO STATE", "F", "11360", tagged=True),
)
_OTHER: tuple[tuple[_Offense, int], ...] = (
    (_off("503 VC", "AUTO THEFT", "F", tagged=True), 3),
    (_off("459 PC", "BURGLARY", "FFM", tagged=True), 6),
    (_off("11350 HS", "POSSESS NARCOTIC CONTROLLED SUBSTANCE", "FFM", tagged=True), 7),
    (_off("11364 HS", "POSSESS CONTROLLED SUBSTANCE PARAPHERNALIA", "M", tagged=True), 6),
    (_off("23152(A) VC", "DUI ALCOHOL/DRUGS", "MMMF", tagged=True), 9),
    (_off("4149 BP", "POSSESS HYPODERMIC NEEDLE/SYRINGE", "M", tagged=True), 3),
    (_off("4149 BP", "SELL HYPODERMIC NEEDLE W/O LICENSE", "M", sep=" - "), 1),
    (_off("148(A)(1) PC", "OBSTRUCT/RESIST PUBLIC OFFICER/ETC", "M", tagged=True), 6),
    (_off("496 PC", "RECEIVE KNOWN STOLEN PROPERTY", "FM", tagged=True), 4),
    (_off("10851 VC", "TAKE VEHICLE W/O OWNER CONSENT", "FFM", tagged=True), 4),
    (_off("11377(A) HS", "POSSESS CONTROLLED SUBSTANCE", "MF"), 6),
    (_off("11351 HS", "POSSESS/PURCHASE NARCOTIC FOR SALE", "F"), 2),
    (_off("11550(A) HS", "UNDER INFLUENCE CONTROLLED SUBSTANCE", "M"), 5),
    (_off("4060 BP", "POSSESS CONTROLLED SUBSTANCE W/O PRESCRIPTION", "M"), 3),
    (_off("647(F) PC", "DISORDERLY CONDUCT:INTOXICATION", "M"), 5),
    (_off("602 PC", "TRESPASSING", "M"), 3),
    (_off("12500(A) VC", "DRIVE WITHOUT LICENSE", "M"), 4),
    (_off("14601.1(A) VC", "DRIVE WHILE LICENSE SUSPENDED", "M"), 4),
    (_off("273.5(A) PC", "INFLICT CORPORAL INJURY SPOUSE/COHABITANT", "FM"), 4),
    (_off("245(A)(1) PC", "ASSAULT WITH DEADLY WEAPON", "F"), 3),
    (_off("488 PC", "PETTY THEFT", "M"), 5),
    (_off("211 PC", "ROBBERY", "F"), 2),
    (_off("242 PC", "BATTERY", "M"), 4),
    (_off("166(A)(4) PC", "DISOBEY COURT ORDER", "M"), 2),
    (_off("1320(A) PC", "FAIL TO APPEAR", "M"), 2),
    (_off("40508(A) VC", "FAIL TO APPEAR ON CITATION", "M"), 2),
    (_off("22350 VC", "UNSAFE SPEED", "I"), 2),
    (_off("415 PC", "DISTURB THE PEACE", "MI"), 2),
    (_off("11357.5 HS", "POSSESS SYNTHETIC CANNABINOID", "IM", tagged=True), 1),
)
_SUPERSTRIKES: tuple[_Offense, ...] = (
    _off("187 PC", "MURDER", "F", superstrike=True),
    _off("664/187 PC", "ATTEMPTED MURDER", "F", superstrike=True),
    _off("288(A) PC", "LEWD ACT CHILD UNDER 14", "F", superstrike=True, pc290=True),
    _off("269 PC", "AGGRAVATED SEXUAL ASSAULT OF CHILD", "F", superstrike=True, pc290=True),
    _off("261(A)(2) PC", "RAPE BY FORCE/FEAR", "F", superstrike=True, pc290=True),
)
_PC290S: tuple[_Offense, ...] = (
    _SUPERSTRIKES[4],  # 261(A)(2) PC
    _SUPERSTRIKES[2],  # 288(A) PC
    _off("647.6 PC", "ANNOY/MOLEST CHILD UNDER 18", "MMF", pc290=True),
)
# Felony-capable Prop 64 charges used for the "same section, 2-3 felonies" (two priors) case.
_TWO_PRIORS = tuple(o for o, _ in _P64_COMMON if o.form in ("11358 HS", "11359 HS", "11360(A) HS"))
# Charges that can be infractions (forced "conv_infraction").
_INFRACTIONS = tuple(o for o, _ in (*_P64_COMMON, *_OTHER) if o.form in ("11357(B) HS", "22350 VC"))
# Comments that mention a Prop 64 section on a non-Prop-64 row ("Possible Other P64 Charges").
_P64_COMMENTS = (
    "11357(C) HS-POSSESS MARIJUANA",
    "CHRG AMENDED FROM 11359 HS",
    "ORIG CHRG 11360(A) HS-TRANSPORT/SELL MARIJUANA",
)

_CODE_TAG_OFFENSE: dict[str, _Offense] = {}
for _o in (*(o for o, _ in _P64_COMMON), *_P64_RARE, *(o for o, _ in _OTHER)):
    if _o.tag is not None:
        _CODE_TAG_OFFENSE.setdefault(_o.tag, _o)
assert set(_CODE_TAG_OFFENSE) == {f"code:{f}" for f in (*CODE_VARIANTS, *ORDINARY_OFFENSES)}


class _Pool:
    """Weighted draw with one `random()` call (bisect on cumulative weights)."""

    __slots__ = ("cum", "items", "total")

    def __init__(self, weighted: Sequence[tuple[_Offense, int]]) -> None:
        self.items = tuple(o for o, _ in weighted)
        self.cum = tuple(accumulate(w for _, w in weighted))
        self.total = self.cum[-1]

    def pick(self, rnd: float) -> _Offense:
        return self.items[bisect(self.cum, rnd * self.total)]


_P64_POOL = _Pool(_P64_COMMON)
_OTHER_POOL = _Pool(_OTHER)

# --------------------------------------------------------------------------------------------
# Invented names (no real people)
_LAST = (
    "ABERQUILL", "BALDROVE", "BRISKETTE", "CALDERWISP", "DORNHOLLOW", "EMBERGLADE",
    "FARNSWIDDLE", "GLIMMERTON", "HOLLOWAX", "IRONBRAKE", "JASPERLY", "KESTRELBY",
    "LARKSPURNE", "MOSSGRAVE", "NETTLEFORD", "OAKENSHAVE", "PEBBLEROOK", "QUINCEWORTH",
    "RAVENSCRUFF", "SALTMARROW", "THISTLEMERE", "UMBERVALE", "VELLANCOURT", "WINTERBOTCH",
    "YARROWICK", "ZEPHYRINE", "MARBLEFOOT", "TANSEYWORTH", "BRIARCLOVE", "COPPERHAVEN",
    "DRIFTWELL", "FOXGLOVER", "GRUMBLEDORE", "HAZELQUIST", "JUNIPERLEY", "KNOTTWHISTLE",
    "LOWMEADOWS", "MUDDLECOMB", "NIMBLETHORN", "PUDDLEFORD",
)  # fmt: skip
_FIRST_M = (
    "ALDO", "BRANT", "CASPER", "DORIAN", "EMMET", "FLINT", "GIDEON", "HUGO", "IVOR", "JASPER",
    "KEATON", "LEANDER", "MILO", "NOLAN", "OSWIN", "PIERCE", "ROLAND", "SILAS", "TOBIN", "WARD",
)  # fmt: skip
_FIRST_F = (
    "ADA", "BRYNN", "CORA", "DELPHINE", "ELOISE", "FLORA", "GRETA", "HAZEL", "IRIS", "JUNE",
    "LENORE", "MAEVE", "NELL", "OPAL", "PIPER", "ROSALIND", "SABLE", "TESS", "VIOLA", "WREN",
)  # fmt: skip
_INITIALS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# --------------------------------------------------------------------------------------------
# Hard cases: tag -> natural rate (documentation + the floor scheduler's universe).

_SERIOUS_TAGS = (
    "superstrike_before_p64",
    "superstrike_after_p64",
    "pc290_before_p64",
    "pc290_after_p64",
)

NATURAL_RATES: dict[str, str] = {
    "conv_felony": "CONV_STAT_DESCR=FELONY: ~85% of convicted F counts",
    "conv_misdemeanor": "CONV_STAT_DESCR=MISDEMEANOR: M counts and ~15% of F counts (wobblers)",
    "conv_infraction": "CONV_STAT_DESCR=INFRACTION: convicted counts with OFFENSE_TOC I",
    "blank_stat_toc_f": "blank CONV_STAT_DESCR, OFFENSE_TOC F: 4% of convicted F counts",
    "blank_stat_toc_m": "blank CONV_STAT_DESCR, OFFENSE_TOC M/I: 4% of convicted M/I counts",
    "dob_year_only": "PRI_DOB YYYY0000: 1% of subjects",
    "dob_year_month": "PRI_DOB YYYYMM00: 1% of subjects",
    "cyc_year_only": "CYC_DATE YYYY0000: 0.8% of cycles",
    "cyc_year_month": "CYC_DATE YYYYMM00: 0.8% of cycles",
    "stp_year_only": "court STP_EVENT_DATE YYYY0000: 0.8% of court steps",
    "stp_year_month": "court STP_EVENT_DATE YYYYMM00: 0.8% of court steps",
    "see_comment": "OFFENSE_DESCR=SEE COMMENT FOR CHARGE, charge in COMMENT_TEXT: 0.6% of rows",
    "blank_offense_comment": "blank OFFENSE_DESCR, charge in COMMENT_TEXT: 0.6% of count rows",
    "other_p64_in_comment": "non-Prop-64 offense, Prop 64 section in COMMENT_TEXT: 0.5% of rows",
    **{f"code:{f}": "odd spelling: 10% of Prop 64 main charges, uniform" for f in CODE_VARIANTS},
    **{f"code:{f}": "ordinary offense pool (weighted)" for f in ORDINARY_OFFENSES},
    "code:11357 HS": "common Prop 64 form (7% of Prop 64 draws)",
    "code:11357(A) HS": "common Prop 64 form (9% of Prop 64 draws)",
    "code:11357(C)HS": "common Prop 64 form (10% of Prop 64 draws)",
    "code:11357.5 HS": "ordinary pool, weight 1/121 (not Prop 64)",
    "deceased": "DECEASED step: 2% of subjects",
    "registration_290": "REGISTRATION 290 PC step: 60% of the serious 290-registrable cases",
    "registration_11590": "REGISTRATION 11590 HS step (not 290): 0.5% of subjects",
    # the four serious-offense cases together: 3% of subjects, equal split
    "superstrike_before_p64": "superstrike conviction in an earlier cycle than a Prop 64 one",
    "superstrike_after_p64": "superstrike conviction in a later cycle than a Prop 64 one",
    "pc290_before_p64": "290-registrable conviction in an earlier cycle than a Prop 64 one",
    "pc290_after_p64": "290-registrable conviction in a later cycle than a Prop 64 one",
    "p64_after_2016": "Prop 64 conviction after 2016-11-09 (P64 charges 70% rarer after that)",
    "p64_on_20161109": "Prop 64 conviction dated exactly 20161109: 0.3% of subjects",
    "same_section_felony_x2": "2 felony convictions, same Prop 64 section: 1% of subjects",
    "same_section_felony_x3": "3 felony convictions, same Prop 64 section: 1% of subjects",
    "dup_sentence_adjacent": "2 sentence rows, same CNT_ORDER, adjacent (25% probation, 8% jail)",
    "dup_sentence_nonadjacent": "same, another count in between (40% of those with a later count)",
    "out_of_county": "cycle outside the home county: 10% of cycles",
}  # fmt: skip
HARD_CASES: tuple[str, ...] = tuple(NATURAL_RATES)

_WINDOW = 1500  # a case not written for this many rows is forced into the next subject
_FIRST_DUE = 40  # first forcing offsets are staggered over [_FIRST_DUE, _FIRST_DUE + _SPREAD)
_SPREAD = 1260

# CNT_ORDER strings CCCSSSNNN000, indexed [cycle - 101][step][count] (steps 1..5, counts 1..3).
_CNT_ORDERS = tuple(
    tuple(tuple(f"{101 + c:03d}{st:03d}{k:03d}000" for k in range(4)) for st in range(6))
    for c in range(6)
)
# Arrest cycles per subject (1..6), cumulative weights 30/24/18/13/9/6.
_NCYC_CUM = tuple(accumulate((30, 24, 18, 13, 9, 6)))


class _Perm:
    """A bijection i -> lo + (a*i + b) mod span: unique, random-looking IDs without a seen-set."""

    __slots__ = ("a", "b", "lo", "span")

    def __init__(self, rng: random.Random, lo: int, span: int) -> None:
        a = rng.randrange(span // 3, span)
        while gcd(a, span) != 1:
            a += 1
        self.a, self.b, self.lo, self.span = a, rng.randrange(span), lo, span

    def __call__(self, i: int) -> str:
        return str(self.lo + (self.a * i + self.b) % self.span)


# --------------------------------------------------------------------------------------------
# Public API


@dataclass(frozen=True)
class GenerateStats:
    """Counts about a generated extract (no personal data)."""

    rows: int  # data rows written (header excluded)
    subjects: int  # subjects with at least one row
    cycles: int
    convictions: int  # distinct convicted counts (first row of each CNT_ORDER)
    prop64_convictions: int
    felony_convictions: int  # gogen semantics: FELONY, or blank status and TOC F
    duplicate_sentence_rows: int  # extra sentence-part rows repeating a CNT_ORDER
    deceased_subjects: int
    registrations: int
    out_of_county_rows: int
    header: bool
    hard_cases: Mapping[str, int] = field(default_factory=dict)  # tag -> occurrences


_STAT_KEYS = (
    "cycle",
    "conviction",
    "prop64_conviction",
    "felony_conviction",
    "dup_row",
    "deceased",
    "registration",
    "ooc_row",
)


def generate_extract(
    out: Path | str,
    rows: int,
    seed: int,
    counties: Sequence[str] | None = None,
    header: bool = True,
    placeholder: str | None = None,
) -> GenerateStats:
    """Write a fabricated DOJ research-file extract of exactly `rows` data rows to `out`.

    placeholder: written in every empty cell instead of nothing, as the earlier tool's own
    test-data generator did ("  -  "). The records are the same either way.

    Deterministic in (rows, seed, counties, header); memory is flat in `rows`. The file is
    written to `<out>.tmp` and then atomically renamed. Raises ValueError on a negative `rows` /
    `seed` or an empty county list, TypeError when `counties` is a single string.
    """
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 0:
        raise ValueError(f"rows must be a non-negative integer, got {rows!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        # random.Random(-n) == random.Random(n): refuse negatives rather than alias them.
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    county_list = _clean_counties(counties)

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    gen = _Generator(seed, county_list)
    counts: dict[str, int] = dict.fromkeys((*_STAT_KEYS, *HARD_CASES), 0)
    next_due = gen.next_due
    written = 0
    subjects = 0
    try:
        with open(tmp, "w", encoding="ascii", newline="", buffering=1 << 20) as fh:
            writer = csv.writer(fh, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
            if header:
                writer.writerow(COLUMNS)
            while written < rows:
                gen.schedule(written)
                srows, events = gen.subject()
                take = len(srows)
                if take > rows - written:  # the last subject is cut short
                    take = rows - written
                    srows = srows[:take]
                    events = [e for e in events if e[0] < take]
                if placeholder is not None:
                    srows = [[cell if cell != "" else placeholder for cell in r] for r in srows]
                writer.writerows(srows)
                for i, key in events:
                    counts[key] += 1
                    if key in next_due:
                        next_due[key] = written + i + _WINDOW
                written += take
                subjects += 1
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return GenerateStats(
        rows=written,
        subjects=subjects,
        cycles=counts["cycle"],
        convictions=counts["conviction"],
        prop64_convictions=counts["prop64_conviction"],
        felony_convictions=counts["felony_conviction"],
        duplicate_sentence_rows=counts["dup_row"],
        deceased_subjects=counts["deceased"],
        registrations=counts["registration"],
        out_of_county_rows=counts["ooc_row"],
        header=header,
        hard_cases={tag: counts[tag] for tag in HARD_CASES},
    )


def _clean_counties(counties: Sequence[str] | None) -> tuple[str, ...]:
    if counties is None:
        return DEFAULT_COUNTIES
    if isinstance(counties, str):
        raise TypeError("counties must be a sequence of county names, not a string")
    cleaned: list[str] = []
    for c in counties:
        name = str(c).strip()
        if not name:
            raise ValueError("county names must be non-empty")
        if name not in cleaned:
            cleaned.append(name)
    if not cleaned:
        raise ValueError("counties must name at least one county")
    return tuple(cleaned)


# --------------------------------------------------------------------------------------------
# The generator proper


class _Subject:
    """Mutable state of the subject being generated (its rows are at most ~80)."""

    __slots__ = (
        "arrests",
        "base",
        "courts",
        "deceased",
        "dob",
        "dob14",
        "events",
        "home",
        "last_event",
        "n",
        "ooc_cycle",
        "reg290",
        "reg11590",
        "roles",
        "rows",
        "serious",
        "serious_left",
        "serious_off",
        "tp",
        "tp_left",
        "tp_off",
    )

    def __init__(self) -> None:
        self.rows: list[list[str]] = []
        self.events: list[tuple[int, str]] = []  # (row index in the subject, tag / counter key)
        self.serious: str | None = None
        self.serious_off: _Offense | None = None
        self.reg290 = False
        self.tp = 0
        self.tp_off: _Offense | None = None
        self.ooc_cycle = -1


class _Generator:
    """Builds subjects one at a time. Methods stay small on purpose: tracemalloc (3.11) resolves the
    line number of every allocation by scanning the code object's line table, which is very slow in
    one huge function."""

    def __init__(self, seed: int, counties: tuple[str, ...]) -> None:
        self.rng = random.Random(seed)
        self.counties = counties
        self.others = {c: tuple(o for o in counties if o != c) for c in counties}
        self.sid = _Perm(self.rng, 10_000_000, 90_000_000)  # 8-digit SUBJECT_ID
        self.cii = _Perm(self.rng, 1_000_000_000, 9_000_000_000)  # 10-digit CII_NUMBER
        self.index = 0
        self.template = [""] * FIELD_COUNT
        # Forced (pending) hard cases, insertion-ordered; code forms kept apart (tag -> offense).
        self.pending: dict[str, None] = {}
        self.pending_codes: dict[str, _Offense] = {}
        n = len(HARD_CASES)
        self.next_due: dict[str, int] = {
            tag: _FIRST_DUE + (k * _SPREAD) // n for k, tag in enumerate(HARD_CASES)
        }
        if len(counties) < 2:  # impossible case: never force it
            self.next_due.pop("out_of_county")
        # Lower bound of the due rows of the non-pending cases (dues only ever grow).
        self.min_due = min(self.next_due.values())

    # ---- floor scheduler ---------------------------------------------------------------------

    def schedule(self, pos: int) -> None:
        """Mark as pending every hard case not written in the last `_WINDOW` rows."""
        if pos < self.min_due:
            return
        pending, pending_codes = self.pending, self.pending_codes
        low = pos + _WINDOW
        for tag, due in self.next_due.items():
            if tag in pending or tag in pending_codes:
                continue
            if due <= pos:
                if tag.startswith("code:"):
                    pending_codes[tag] = _CODE_TAG_OFFENSE[tag]
                else:
                    pending[tag] = None
            elif due < low:
                low = due
        self.min_due = low

    def _emit(self, s: _Subject, tag: str) -> None:
        """Record hard case `tag` at the index of the row about to be appended; un-force it."""
        s.events.append((len(s.rows), tag))
        if tag in self.pending:
            del self.pending[tag]
        elif tag in self.pending_codes:
            del self.pending_codes[tag]

    def _tag(self, s: _Subject, tag: str, at: int) -> None:
        """`_emit` for a frequent non-code tag, at a known row index."""
        s.events.append((at, tag))
        if self.pending:
            self.pending.pop(tag, None)

    def _mode(self, tag_year: str, tag_month: str, p: float) -> int:
        """Date precision: 0 full, 1 year only, 2 year+month (each at rate p, or forced)."""
        pending = self.pending
        if pending:
            if tag_year in pending:
                return 1
            if tag_month in pending:
                return 2
        r = self.rng.random()
        return 1 if r < p else 2 if r < 2 * p else 0

    # ---- subject ------------------------------------------------------------------------------

    def subject(self) -> tuple[list[list[str]], list[tuple[int, str]]]:
        s = _Subject()
        self._identity(s)
        self._features(s)
        self._dates(s)
        self._roles(s)
        for c in range(s.n):
            self._cycle(s, c)
        return s.rows, s.events

    def _identity(self, s: _Subject) -> None:
        rnd = self.rng.random
        idx = self.index
        self.index += 1
        female = rnd() < 0.22
        first = (_FIRST_F if female else _FIRST_M)[int(rnd() * 20)]
        last = _LAST[int(rnd() * len(_LAST))]
        m = rnd()
        name = f"{last},{first} {_INITIALS[int(m * 37) % 26]}" if m < 0.7 else f"{last},{first}"
        s.dob = _DOB_MIN + int(rnd() * (_DOB_MAX - _DOB_MIN + 1))
        s.dob14 = s.dob + _FOURTEEN_YEARS
        dob_mode = self._mode("dob_year_only", "dob_year_month", 0.01)
        if dob_mode:
            self._emit(s, "dob_year_only" if dob_mode == 1 else "dob_year_month")
        s.home = self.counties[int(rnd() * len(self.counties))]
        base = self.template.copy()
        base[_SUBJECT_ID] = self.sid(idx)
        base[_CII] = self.cii(idx)
        base[_NAME] = name
        base[_GENDER] = "F" if female else "M"
        base[_DOB] = _render(s.dob, dob_mode)
        s.base = base

    def _features(self, s: _Subject) -> None:
        """Subject-level hard cases: natural draw, or forced when pending."""
        rnd = self.rng.random
        pending = self.pending
        serious = None
        if pending:
            serious = next((t for t in _SERIOUS_TAGS if t in pending), None)
            if serious is None and "registration_290" in pending:
                serious = _SERIOUS_TAGS[2 + (rnd() < 0.5)]
        if serious is None and rnd() < 0.03:
            serious = _SERIOUS_TAGS[int(rnd() * 4)]
        s.serious = serious
        if pending and "same_section_felony_x3" in pending:
            s.tp = 3
        elif pending and "same_section_felony_x2" in pending:
            s.tp = 2
        elif rnd() < 0.02:
            s.tp = 3 if rnd() < 0.5 else 2
        s.deceased = "deceased" in pending or rnd() < 0.02
        s.reg11590 = "registration_11590" in pending or rnd() < 0.005
        n = 1 + bisect(_NCYC_CUM, rnd() * _NCYC_CUM[-1])
        s.n = max(n, s.tp + (2 if serious else 0) + ("p64_after_2016" in pending))
        if len(self.counties) > 1 and "out_of_county" in pending:
            s.ooc_cycle = int(rnd() * s.n)

    def _dates(self, s: _Subject) -> None:
        """Sorted arrest dates after DOB+14y, court dates strictly after each arrest."""
        rnd = self.rng.random
        lo = max(_MIN_ORD, s.dob14 + int(rnd() * 3650))
        hi = min(_MAX_ARREST, lo + 365 + int(rnd() * 9000))
        if lo > hi:
            lo = max(s.dob14, hi - 365)
        span = hi - lo + 1
        arrests = sorted([lo + int(rnd() * span) for _ in range(s.n)])
        if "p64_after_2016" in self.pending:
            start = max(_PROP64 + 1, s.dob14)
            if arrests[-1] < start:
                arrests[-1] = start + int(rnd() * (_MAX_ARREST - start))
        s.arrests = arrests
        s.courts = [min(_MAX_ORD, a + 1 + int(rnd() * rnd() * 420)) for a in arrests]
        s.last_event = arrests[-1]

    def _roles(self, s: _Subject) -> None:
        """Which cycle carries which subject-level feature (None = ordinary cycle)."""
        rnd = self.rng.random
        n = s.n
        roles: list[str | None] = [None] * n
        free = list(range(n))
        if "p64_after_2016" in self.pending:
            roles[n - 1] = "p64"
            free.remove(n - 1)
        if s.serious:
            a = free.pop(int(rnd() * len(free)))
            b = free.pop(int(rnd() * len(free)))
            early, late = min(a, b), max(a, b)
            first, second = (
                ("serious", "p64") if s.serious.endswith("before_p64") else ("p64", "serious")
            )
            roles[early], roles[late] = first + "!", second + "!"  # "!" = part of the pair
            pool = _SUPERSTRIKES if s.serious.startswith("superstrike") else _PC290S
            s.serious_off = pool[int(rnd() * len(pool))]
            s.reg290 = s.serious_off.pc290 and ("registration_290" in self.pending or rnd() < 0.6)
            s.serious_left = 2
        if s.tp:
            s.tp_off = _TWO_PRIORS[int(rnd() * len(_TWO_PRIORS))]
            s.tp_left = s.tp
            for _ in range(s.tp):
                roles[free.pop(int(rnd() * len(free)))] = "tp"
        if free and ("p64_on_20161109" in self.pending or rnd() < 0.003):
            i = self._on_prop64_day(s, free)
            if i >= 0:
                roles[i] = "p64"
        s.roles = roles

    def _on_prop64_day(self, s: _Subject, free: list[int]) -> int:
        """Give a free cycle a court date of exactly 2016-11-09; -1 when the dates forbid it."""
        arrests = s.arrests
        for i in reversed(free):
            if _PROP64 - 730 <= arrests[i] < _PROP64:
                break
        else:
            i = free[-1]
            new = _PROP64 - 1 - int(self.rng.random() * 300)
            if not (
                new >= s.dob14
                and (i == 0 or arrests[i - 1] <= new)
                and (i == s.n - 1 or new <= arrests[i + 1])
            ):
                return -1
            arrests[i] = new
        s.courts[i] = _PROP64
        s.last_event = max(s.last_event, _PROP64)
        return i

    # ---- cycle --------------------------------------------------------------------------------

    def _cycle(self, s: _Subject, c: int) -> None:
        rnd = self.rng.random
        cyc = _CNT_ORDERS[c]
        role = s.roles[c]
        county = s.home
        if len(self.counties) > 1 and (c == s.ooc_cycle or rnd() < 0.10):
            others = self.others[county]
            county = others[int(rnd() * len(others))]
        ooc = county != s.home
        cmode = self._mode("cyc_year_only", "cyc_year_month", 0.008)
        arrest = s.arrests[c]
        cyc_date = _render(arrest, cmode)
        charges, force_conv, force_felony, force_nonadj = self._charges(s, role, arrest)
        has_court = force_conv or rnd() < 0.88

        s.events.append((len(s.rows), "cycle"))
        if cmode:
            self._emit(s, "cyc_year_only" if cmode == 1 else "cyc_year_month")
        if ooc:
            self._emit(s, "out_of_county")

        step = s.base.copy()
        step[_CYC_DATE] = cyc_date
        step[_STP_DATE] = cyc_date
        step[_STP_TYPE] = ARREST
        step[_STP_ORI] = "CASO " + county
        step[_CNTY] = county
        step[_CYC_AGE] = _NUM[int((arrest - s.dob) / 365.2425)]
        self._arrest_rows(s, step, cyc, charges, has_court, ooc)
        n_step, step_event, convicted_any = 1, arrest, False
        if has_court:
            n_step, step_event = 2, s.courts[c]
            convicted_any = self._court(
                s, step, cyc, step_event, charges, role, force_conv, force_felony, force_nonadj, ooc
            )
        if convicted_any and ((role == "serious!" and s.reg290) or (s.reg11590 and role is None)):
            n_step += 1
            step_event = self._registration(s, step, cyc, n_step, step_event, role, ooc)
        s.last_event = max(s.last_event, step_event)
        if s.deceased and c == s.n - 1:
            self._deceased(s, cyc_date, cyc, n_step + 1)

    def _charges(
        self, s: _Subject, role: str | None, arrest: int
    ) -> tuple[list[tuple[_Offense, str]], bool, bool, bool]:
        """The cycle's charges (main first, 0-2 extra) as (offense, OFFENSE_TOC), plus flags."""
        rnd = self.rng.random
        pending = self.pending
        force_conv = role is not None
        force_toc = ""
        force_nonadj = False
        if role is None:
            if self.pending_codes:
                main = next(iter(self.pending_codes.values()))
                force_conv = True
            elif pending and "conv_infraction" in pending:
                main = _INFRACTIONS[int(rnd() * len(_INFRACTIONS))]
                force_conv, force_toc = True, "I"
            elif rnd() < 0.5 and (arrest <= _PROP64 or rnd() < 0.3):  # fewer after legalization
                if rnd() < 0.10:
                    main = _P64_RARE[int(rnd() * len(_P64_RARE))]
                else:
                    main = _P64_POOL.pick(rnd())
            else:
                main = _OTHER_POOL.pick(rnd())
            if pending and "dup_sentence_nonadjacent" in pending and "I" not in main.tocs:
                force_conv = force_nonadj = True
        elif role == "serious!":
            main = s.serious_off  # type: ignore[assignment]
        elif role == "tp":
            main = s.tp_off  # type: ignore[assignment]
        else:  # "p64", "p64!"
            main = _P64_POOL.pick(rnd())
        force_felony = role == "tp" or (role == "serious!" and main.tocs == "F")
        toc = "F" if force_felony else force_toc or main.tocs[int(rnd() * len(main.tocs))]
        charges = [(main, toc)]
        r = rnd()
        n_ch = 1 if r < 0.55 else 2 if r < 0.85 else 3
        if force_nonadj:
            n_ch = max(n_ch, 2)
        for _ in range(n_ch - 1):
            extra = _P64_POOL.pick(rnd()) if rnd() < 0.22 else _OTHER_POOL.pick(rnd())
            charges.append((extra, extra.tocs[int(rnd() * len(extra.tocs))]))
        return charges, force_conv, force_felony, force_nonadj

    def _arrest_rows(
        self,
        s: _Subject,
        step: list[str],
        cyc: tuple[tuple[str, ...], ...],
        charges: list[tuple[_Offense, str]],
        has_court: bool,
        ooc: bool,
    ) -> None:
        rnd = self.rng.random
        rows = s.rows
        for k, (off, toc) in enumerate(charges, 1):
            row = step.copy()
            row[_CNT_ORDER] = cyc[1][k]
            self._put_offense(s, row, off)
            row[_TOC] = toc
            if not has_court and rnd() < 0.4:
                row[_DISP] = "REL/TOT OTHER JURIS/AUTH"
            if ooc:
                s.events.append((len(rows), "ooc_row"))
            rows.append(row)

    def _court(
        self,
        s: _Subject,
        step: list[str],
        cyc: tuple[tuple[str, ...], ...],
        court: int,
        charges: list[tuple[_Offense, str]],
        role: str | None,
        force_conv: bool,
        force_felony: bool,
        force_nonadj: bool,
        ooc: bool,
    ) -> bool:
        """Step 002, COURT ACTION: one row per count, plus sentence-part rows. True if convicted."""
        rnd = self.rng.random
        rows, events = s.rows, s.events
        smode = self._mode("stp_year_only", "stp_year_month", 0.008)
        cstep = step.copy()
        cstep[_STP_DATE] = _render(court, smode)
        cstep[_STP_TYPE] = COURT
        cstep[_STP_ORI] = "CASC " + cstep[_CNTY]
        cstep[_OFN] = self._ofn(cstep[_STP_DATE])
        deferred: list[list[str]] = []
        convicted_any = False
        last = len(charges)
        for k, (off, toc) in enumerate(charges, 1):
            row = cstep.copy()
            row[_CNT_ORDER] = cyc[2][k]
            if k == 1 and smode:
                self._emit(s, "stp_year_only" if smode == 1 else "stp_year_month")
            self._put_offense(s, row, off)
            row[_TOC] = toc
            if ooc:
                events.append((len(rows), "ooc_row"))
            if not ((force_conv and k == 1) or rnd() < (0.74 if k == 1 else 0.40)):
                row[_DISP] = "DISMISSED/CHARGE DROPPED"
                rows.append(row)
                continue
            convicted_any = True
            extra = self._convict(
                s,
                row,
                off,
                toc,
                court,
                role if k == 1 else None,
                force_felony,
                force_nonadj and k == 1,
            )
            rows.append(row)
            if extra is None:
                continue
            if k < last and extra[1]:
                deferred.append(extra[0])
            else:
                self._emit(s, "dup_sentence_adjacent")
                self._dup_row(s, extra[0], ooc)
        for row2 in deferred:
            self._emit(s, "dup_sentence_nonadjacent")
            self._dup_row(s, row2, ooc)
        return convicted_any

    def _dup_row(self, s: _Subject, row: list[str], ooc: bool) -> None:
        events = s.events
        events.append((len(s.rows), "dup_row"))
        if ooc:
            events.append((len(s.rows), "ooc_row"))
        s.rows.append(row)

    def _convict(
        self,
        s: _Subject,
        row: list[str],
        off: _Offense,
        toc: str,
        court: int,
        role: str | None,
        force_felony: bool,
        force_nonadj: bool,
    ) -> tuple[list[str], bool] | None:
        """Fill a convicted count row; return (second sentence row, non-adjacent?) if any."""
        rnd = self.rng.random
        events, at = s.events, len(s.rows)
        if toc == "F":
            stat = "FELONY" if force_felony or rnd() < 0.85 else "MISDEMEANOR"
        elif toc == "M":
            stat = "MISDEMEANOR"
        else:
            stat = "INFRACTION"
        self._tag(s, _STAT_TAG[stat], at)
        blank_tag = "blank_stat_toc_f" if toc == "F" else "blank_stat_toc_m"
        if (self.pending and blank_tag in self.pending) or rnd() < 0.04:
            self._emit(s, blank_tag)
        else:
            row[_STAT] = stat
        events.append((at, "conviction"))
        if row[_STAT] == "FELONY" or (toc == "F" and not row[_STAT]):  # gogen's felony flag
            events.append((at, "felony_conviction"))
        if off.section is not None:
            events.append((at, "prop64_conviction"))
            if court > _PROP64:
                self._emit(s, "p64_after_2016")
            elif court == _PROP64:
                self._emit(s, "p64_on_20161109")
        if role is not None:
            self._pair_progress(s, role)
        adj_forced = (
            not force_nonadj
            and stat != "INFRACTION"
            and bool(self.pending)
            and "dup_sentence_adjacent" in self.pending
        )
        parts = self._sentence(stat, force_nonadj or adj_forced, off.superstrike)
        row[_DISP] = parts[0]
        if len(parts) > 1:
            row[_SENT_LOC], row[_SENT_LEN], row[_SENT_CODE] = parts[1]
        if len(parts) < 3:
            return None
        row2 = row.copy()
        row2[_SENT_LOC], row2[_SENT_LEN], row2[_SENT_CODE] = parts[2]
        return row2, not adj_forced and (force_nonadj or rnd() < 0.4)

    def _pair_progress(self, s: _Subject, role: str) -> None:
        """Emit serious-vs-Prop-64 and same-section tags once the whole pattern is written."""
        if role.endswith("!"):
            s.serious_left -= 1
            if s.serious_left == 0:
                self._emit(s, s.serious or "")
        elif role == "tp":
            s.tp_left -= 1
            if s.tp_left == 0:
                self._emit(s, f"same_section_felony_x{s.tp}")

    def _registration(
        self,
        s: _Subject,
        step: list[str],
        cyc: tuple[tuple[str, ...], ...],
        n_step: int,
        after: int,
        role: str | None,
        ooc: bool,
    ) -> int:
        """A REGISTRATION step (290 PC after a registrable conviction, else 11590 HS)."""
        reg_date = min(_MAX_ORD, after + 1 + int(self.rng.random() * 120))
        row = step.copy()
        row[_STP_DATE] = _ymd(reg_date)
        row[_STP_TYPE] = REGISTRATION
        row[_CNT_ORDER] = cyc[n_step][1]
        if role == "serious!":
            row[_OFFENSE] = REG_290
            self._emit(s, "registration_290")
        else:
            row[_OFFENSE] = REG_11590
            s.reg11590 = False
            self._emit(s, "registration_11590")
        s.events.append((len(s.rows), "registration"))
        if ooc:
            s.events.append((len(s.rows), "ooc_row"))
        s.rows.append(row)
        return reg_date

    def _deceased(
        self, s: _Subject, cyc_date: str, cyc: tuple[tuple[str, ...], ...], n_step: int
    ) -> None:
        """Last step of the last cycle: DECEASED (after every other event, home county)."""
        died = min(_MAX_ORD, s.last_event + 30 + int(self.rng.random() * 3000))
        row = s.base.copy()
        row[_CYC_DATE] = cyc_date
        row[_STP_DATE] = _ymd(died)
        row[_STP_TYPE] = DECEASED
        row[_STP_ORI] = "CACO " + s.home
        row[_CNTY] = s.home
        row[_CNT_ORDER] = cyc[n_step][1]
        self._emit(s, "deceased")
        s.rows.append(row)

    # ---- field helpers ------------------------------------------------------------------------

    def _ofn(self, court_date: str) -> str:
        """Court case number (OFN), e.g. 94F012345; ~3% blank."""
        rnd = self.rng.random
        if rnd() < 0.03:
            return ""
        return f"{court_date[2:4]}{_OFN_KINDS[int(rnd() * 3)]}{int(rnd() * 1_000_000):06d}"

    def _put_offense(self, s: _Subject, row: list[str], off: _Offense) -> None:
        """Fill OFFENSE_DESCR (and sometimes COMMENT_TEXT) the way DOJ does."""
        x = self.rng.random()
        pending = self.pending
        if pending:
            if "see_comment" in pending:
                x = 0.0
            elif "blank_offense_comment" in pending:
                x = 0.007
            elif "other_p64_in_comment" in pending and off.section is None:
                x = 0.999
        if x < 0.006:
            self._emit(s, "see_comment")
            row[_OFFENSE] = SEE_COMMENT
            row[_COMMENT] = off.descr
        elif x < 0.012:
            self._emit(s, "blank_offense_comment")
            row[_COMMENT] = off.descr
        else:
            if off.tag is not None:
                s.events.append((len(s.rows), off.tag))
                if self.pending_codes:
                    self.pending_codes.pop(off.tag, None)
            row[_OFFENSE] = off.descr
            if x > 0.995 and off.section is None:
                self._emit(s, "other_p64_in_comment")
                row[_COMMENT] = _P64_COMMENTS[int((x - 0.995) * 600) % len(_P64_COMMENTS)]

    def _sentence(self, stat: str, want_dup: bool, prison: bool) -> tuple[Any, ...]:
        """(DISP_DESCR, sentence part 1?, sentence part 2?) for a conviction."""
        rnd = self.rng.random
        r = rnd()
        if want_dup:
            kind = "PROBATION"
        elif prison and stat == "FELONY":  # superstrikes
            kind = "PRISON"
        elif stat == "FELONY":
            kind = "PRISON" if r < 0.15 else "PROBATION" if r < 0.6 else "JAIL" if r < 0.9 else ""
        elif stat == "MISDEMEANOR":
            kind = "PROBATION" if r < 0.45 else "JAIL" if r < 0.85 else ""
        else:
            kind = ""
        if not kind:
            return ("CONVICTED",)
        if kind == "PRISON":
            if rnd() < 0.3:
                return ("CONVICTED-PRISON", ("PRISON", "16", "M"))
            return ("CONVICTED-PRISON", ("PRISON", _NUM[2 + int(rnd() * 7)], "Y"))
        if kind == "PROBATION":
            if rnd() < 0.6:
                part = ("PROBATION", _NUM[1 + int(rnd() * 5)], "Y")
            else:
                part = ("PROBATION", _NUM[12 + int(rnd() * 49)], "M")
            if want_dup or rnd() < 0.25:
                return ("CONVICTED-PROBATION", part, ("JAIL", _NUM[1 + int(rnd() * 180)], "D"))
            return ("CONVICTED-PROBATION", part)
        if rnd() < 0.8:
            part = ("JAIL", _NUM[1 + int(rnd() * 365)], "D")
        else:
            part = ("JAIL", _NUM[1 + int(rnd() * 12)], "M")
        if rnd() < 0.08:
            return ("CONVICTED-JAIL", part, ("PROBATION", _NUM[1 + int(rnd() * 3)], "Y"))
        return ("CONVICTED-JAIL", part)


_OFN_KINDS = ("CR", "F", "M")
_NUM = tuple(str(i) for i in range(400))  # small numbers as strings, without allocating per row
_STAT_TAG = {
    "FELONY": "conv_felony",
    "MISDEMEANOR": "conv_misdemeanor",
    "INFRACTION": "conv_infraction",
}
