"""Deterministic, streaming generator of *fabricated* CA DOJ research-file extracts.

The output has the 95-column layout of `orchestration.ingest.doj_format` (see
../shared/docs/ca-doj-research-file.md section 2 and clearance-law.md section 7.1): one row per
count x step x cycle x sentence part, grouped by subject. Every name and number is made up: names come
from small invented lists, SUBJECT_ID / CII_NUMBER from the seeded RNG.

Guarantees
* Deterministic: the same ``(rows, seed, counties, header)`` gives a byte-identical file. The only
  source of randomness is one ``random.Random(seed)``; no wall clock, no ``hash()``, no set iteration.
* Streaming: subjects are generated one at a time (a subject is at most ~80 rows) and written through
  a buffered ``csv.writer``; memory does not grow with ``rows``. Exactly ``rows`` data rows are written
  (the last subject may be cut short), plus the ``RECORD_ID,...`` header when ``header`` is true.
* Atomic: the file is written to ``<out>.tmp`` and moved into place with ``os.replace``.

Counties: each subject has a home county; ~10% of cycles happen in another county. Out-of-county
cycles are drawn from the *same* county list (so with ``counties=[...]`` every STP_ORI_CNTY_NAME is in
that list, and a single-county list has no out-of-county rows). Names are used verbatim (DOJ writes
them upper case, e.g. ``SAN JOAQUIN``); gogen compares them byte for byte.

Hard cases. Each hard case (``HARD_CASES``) occurs at a low natural rate (``NATURAL_RATES``). On top of
that a deterministic floor guarantees presence: when a case has not been written for ``_WINDOW`` rows
(the first time: by a staggered offset below ``_FIRST_DUE + _SPREAD`` rows), it is forced into the next
subject that can carry it. Hence every case appears in any file of >= 2,000 rows, whatever the seed
(except ``out_of_county`` with a single county, which is impossible).

"Prop 64 conviction" in the stats means a conviction whose charge is HS 11357, 11358, 11359 or 11360
(including the attempt / conspiracy forms and the sale-to-minor subdivisions, excluding 11357.5).
"Felony" follows gogen: CONV_STAT_DESCR == FELONY, or blank and OFFENSE_TOC == F.
"""

from __future__ import annotations

import csv
import os
import random
from bisect import bisect
from collections.abc import Callable, Mapping, Sequence
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
    d = date.fromordinal(o)
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"


def _render(o: int, mode: int) -> str:
    """mode 0: YYYYMMDD; 1: year only (YYYY0000); 2: year and month (YYYYMM00)."""
    d = date.fromordinal(o)
    if mode == 1:
        return f"{d.year:04d}0000"
    if mode == 2:
        return f"{d.year:04d}{d.month:02d}00"
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"


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
assert sorted(_CODE_TAG_OFFENSE) == sorted(f"code:{f}" for f in (*CODE_VARIANTS, *ORDINARY_OFFENSES))


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
    "see_comment": "OFFENSE_DESCR=SEE COMMENT FOR CHARGE, charge in COMMENT_TEXT: 0.6% of count rows",
    "blank_offense_comment": "blank OFFENSE_DESCR, charge in COMMENT_TEXT: 0.6% of count rows",
    "other_p64_in_comment": "non-Prop-64 offense, Prop 64 section in COMMENT_TEXT: 0.5% of rows",
    **{f"code:{f}": "odd Prop 64 spelling: ~10% of Prop 64 main charges, uniform" for f in
       CODE_VARIANTS},
    **{f"code:{f}": "ordinary offense pool (weighted)" for f in ORDINARY_OFFENSES},
    "code:11357 HS": "common Prop 64 form (7% of Prop 64 draws)",
    "code:11357(A) HS": "common Prop 64 form (9% of Prop 64 draws)",
    "code:11357(C)HS": "common Prop 64 form (10% of Prop 64 draws)",
    "code:11357.5 HS": "ordinary pool, weight 1/121 (not Prop 64)",
    "deceased": "DECEASED step: 2% of subjects",
    "registration_290": "REGISTRATION 290 PC step: 60% of subjects with a 290-registrable conviction",
    "registration_11590": "REGISTRATION 11590 HS step (not 290): 0.5% of subjects",
    "superstrike_before_p64": "superstrike conviction in an earlier cycle than a Prop 64 one",
    "superstrike_after_p64": "superstrike conviction in a later cycle than a Prop 64 one",
    "pc290_before_p64": "290-registrable conviction in an earlier cycle than a Prop 64 one",
    "pc290_after_p64": "290-registrable conviction in a later cycle than a Prop 64 one",
    "p64_after_2016": "Prop 64 conviction dated after 2016-11-09 (natural date spread)",
    "p64_on_20161109": "Prop 64 conviction dated exactly 20161109: 0.3% of subjects",
    "same_section_felony_x2": "2 felony convictions, same Prop 64 section: 1% of subjects",
    "same_section_felony_x3": "3 felony convictions, same Prop 64 section: 1% of subjects",
    "dup_sentence_adjacent": "2 sentence rows, same CNT_ORDER, adjacent",
    "dup_sentence_nonadjacent": "2 sentence rows, same CNT_ORDER, another count in between",
    "out_of_county": "cycle outside the home county: 10% of cycles",
}  # fmt: skip
# The four serious-offense tags together: 3% of subjects (equal split).
HARD_CASES: tuple[str, ...] = tuple(NATURAL_RATES)

_WINDOW = 1500  # a case not written for this many rows is forced into the next subject
_FIRST_DUE = 40  # first forcing offsets are staggered over [_FIRST_DUE, _FIRST_DUE + _SPREAD)
_SPREAD = 1260

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
) -> GenerateStats:
    """Write a fabricated DOJ research-file extract of exactly `rows` data rows to `out`.

    Deterministic in (rows, seed, counties, header); memory is flat in `rows`. The file is written
    to `<out>.tmp` and then atomically renamed. Raises ValueError on a negative `rows` / `seed` or an
    empty county list.
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
                take = min(len(srows), rows - written)
                writer.writerows(srows if take == len(srows) else srows[:take])
                for i, key in events:
                    if i < take:
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


class _Generator:
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

    def _ofn(self, court: int) -> str:
        rnd = self.rng.random
        if rnd() < 0.03:
            return ""
        year = date.fromordinal(court).year % 100
        kind = ("CR", "F", "M")[int(rnd() * 3)]
        return f"{year:02d}{kind}{int(rnd() * 1_000_000):06d}"

    def subject(self) -> tuple[list[list[str]], list[tuple[int, str]]]:
        rng = self.rng
        rnd = rng.random
        pending = self.pending
        pending_codes = self.pending_codes
        counties = self.counties
        rows: list[list[str]] = []
        events: list[tuple[int, str]] = []
        ev = events.append  # plain counters (never pending): no bookkeeping needed

        def emit(tag: str) -> None:
            """Record `tag` at the index of the row about to be appended."""
            events.append((len(rows), tag))
            if tag in pending:
                del pending[tag]
            elif tag in pending_codes:
                del pending_codes[tag]

        def pick_mode(tag_year: str, tag_month: str, p: float) -> int:
            if pending:
                if tag_year in pending:
                    return 1
                if tag_month in pending:
                    return 2
            r = rnd()
            return 1 if r < p else 2 if r < 2 * p else 0

        # ---- identity -------------------------------------------------------------------
        idx = self.index
        self.index += 1
        female = rnd() < 0.22
        first = (_FIRST_F if female else _FIRST_M)[int(rnd() * 20)]
        last = _LAST[int(rnd() * len(_LAST))]
        m = rnd()
        name = f"{last},{first} {_INITIALS[int(m * 37) % 26]}" if m < 0.7 else f"{last},{first}"
        dob = _DOB_MIN + int(rnd() * (_DOB_MAX - _DOB_MIN + 1))
        dob_mode = pick_mode("dob_year_only", "dob_year_month", 0.01)
        if dob_mode:
            emit("dob_year_only" if dob_mode == 1 else "dob_year_month")
        home = counties[int(rnd() * len(counties))]
        base = self.template.copy()
        base[_SUBJECT_ID] = self.sid(idx)
        base[_CII] = self.cii(idx)
        base[_NAME] = name
        base[_GENDER] = "F" if female else "M"
        base[_DOB] = _render(dob, dob_mode)

        # ---- subject-level features -----------------------------------------------------
        serious: str | None = None
        if pending:
            for tag in _SERIOUS_TAGS:
                if tag in pending:
                    serious = tag
                    break
            if serious is None and "registration_290" in pending:
                serious = _SERIOUS_TAGS[2 + (rnd() < 0.5)]
        if serious is None and rnd() < 0.03:
            serious = _SERIOUS_TAGS[int(rnd() * 4)]
        tp = 0
        if pending and "same_section_felony_x3" in pending:
            tp = 3
        elif pending and "same_section_felony_x2" in pending:
            tp = 2
        elif rnd() < 0.02:
            tp = 3 if rnd() < 0.5 else 2
        force_post = "p64_after_2016" in pending
        want_1109 = "p64_on_20161109" in pending or rnd() < 0.003
        deceased = "deceased" in pending or rnd() < 0.02
        reg11590 = "registration_11590" in pending or rnd() < 0.005

        n = 1 + bisect(_NCYC_CUM, rnd() * _NCYC_CUM[-1])
        n = max(n, tp + (2 if serious else 0) + force_post)

        # ---- dates ------------------------------------------------------------------------
        dob14 = dob + _FOURTEEN_YEARS
        lo = max(_MIN_ORD, dob14 + int(rnd() * 3650))
        hi = min(_MAX_ARREST, lo + 365 + int(rnd() * 9000))
        if lo > hi:
            lo = max(dob14, hi - 365)
        span = hi - lo + 1
        arrests = sorted([lo + int(rnd() * span) for _ in range(n)])
        if force_post:
            start = max(_PROP64 + 1, dob14)
            if arrests[-1] < start:
                arrests[-1] = start + int(rnd() * (_MAX_ARREST - start))
        courts = [min(_MAX_ORD, a + 1 + int(rnd() * rnd() * 420)) for a in arrests]

        # ---- roles: which cycle carries which feature --------------------------------------
        roles: list[str | None] = [None] * n
        free = list(range(n))
        if force_post:
            roles[n - 1] = "p64"
            free.remove(n - 1)
        serious_off: _Offense | None = None
        reg290 = False
        if serious:
            a = free.pop(int(rnd() * len(free)))
            b = free.pop(int(rnd() * len(free)))
            early, late = min(a, b), max(a, b)
            if serious.endswith("before_p64"):
                roles[early], roles[late] = "serious", "p64serious"
            else:
                roles[early], roles[late] = "p64serious", "serious"
            if serious.startswith("superstrike"):
                serious_off = _SUPERSTRIKES[int(rnd() * len(_SUPERSTRIKES))]
            else:
                serious_off = _PC290S[int(rnd() * len(_PC290S))]
            reg290 = serious_off.pc290 and ("registration_290" in pending or rnd() < 0.6)
        tp_off: _Offense | None = None
        if tp:
            tp_off = _TWO_PRIORS[int(rnd() * len(_TWO_PRIORS))]
            for _ in range(tp):
                roles[free.pop(int(rnd() * len(free)))] = "tp"
        if want_1109 and free:
            for i in reversed(free):
                if _PROP64 - 730 <= arrests[i] < _PROP64:
                    break
            else:
                i = free[-1]
                new = _PROP64 - 1 - int(rnd() * 300)
                if not (
                    new >= dob14
                    and (i == 0 or arrests[i - 1] <= new)
                    and (i == n - 1 or new <= arrests[i + 1])
                ):
                    i = -1
                else:
                    arrests[i] = new
            if i >= 0:
                courts[i] = _PROP64
                roles[i] = "p64"
                free.remove(i)
        ooc_cycle = -1
        if len(counties) > 1 and "out_of_county" in pending:
            ooc_cycle = int(rnd() * n)
        serious_left = 2 if serious else 0
        tp_left = tp
        reg11590_done = not reg11590
        last_event = arrests[-1]

        # ---- cycles ---------------------------------------------------------------------
        for c in range(n):
            cyc = f"{101 + c:03d}"
            role = roles[c]
            county = home
            if len(counties) > 1 and (c == ooc_cycle or rnd() < 0.10):
                others = self.others[home]
                county = others[int(rnd() * len(others))]
            ooc = county != home
            cmode = pick_mode("cyc_year_only", "cyc_year_month", 0.008)
            arrest, court = arrests[c], courts[c]
            cyc_date = _render(arrest, cmode)

            # charges: main first, then 0-2 extra counts
            force_conv = role is not None
            force_felony = role == "tp"
            force_toc = ""
            force_nonadj = False
            if role is None:
                if pending_codes:
                    main = next(iter(pending_codes.values()))
                    force_conv = True
                elif pending and "conv_infraction" in pending:
                    main = _INFRACTIONS[int(rnd() * len(_INFRACTIONS))]
                    force_conv, force_toc = True, "I"
                elif rnd() < 0.46:
                    main = (
                        _P64_RARE[int(rnd() * len(_P64_RARE))]
                        if rnd() < 0.10
                        else _P64_POOL.pick(rnd())
                    )
                else:
                    main = _OTHER_POOL.pick(rnd())
                if pending and "dup_sentence_nonadjacent" in pending and "I" not in main.tocs:
                    force_conv = force_nonadj = True
            elif role == "serious":
                assert serious_off is not None
                main = serious_off
            elif role == "tp":
                assert tp_off is not None
                main = tp_off
            else:  # "p64", "p64serious"
                main = _P64_POOL.pick(rnd())
            r = rnd()
            n_ch = 1 if r < 0.55 else 2 if r < 0.85 else 3
            if force_nonadj:
                n_ch = max(n_ch, 2)
            charges = [(main, force_toc or main.tocs[int(rnd() * len(main.tocs))])]
            if force_felony:
                charges[0] = (main, "F")
            for _ in range(n_ch - 1):
                extra = _P64_POOL.pick(rnd()) if rnd() < 0.22 else _OTHER_POOL.pick(rnd())
                charges.append((extra, extra.tocs[int(rnd() * len(extra.tocs))]))
            has_court = force_conv or rnd() < 0.88

            ev((len(rows), "cycle"))
            if cmode:
                emit("cyc_year_only" if cmode == 1 else "cyc_year_month")
            if ooc:
                emit("out_of_county")

            # step 001: arrest
            step = base.copy()
            step[_CYC_DATE] = cyc_date
            step[_STP_DATE] = cyc_date
            step[_STP_TYPE] = ARREST
            step[_STP_ORI] = "CASO " + county
            step[_CNTY] = county
            step[_CYC_AGE] = str(int((arrest - dob) / 365.2425))
            for k, (off, toc) in enumerate(charges, 1):
                row = step.copy()
                row[_CNT_ORDER] = f"{cyc}001{k:03d}000"
                self._put_offense(row, off, emit)
                row[_TOC] = toc
                if not has_court and rnd() < 0.4:
                    row[_DISP] = "REL/TOT OTHER JURIS/AUTH"
                if ooc:
                    ev((len(rows), "ooc_row"))
                rows.append(row)
            n_step = 1
            step_event = arrest

            # step 002: court action
            convicted_any = False
            if has_court:
                n_step = 2
                step_event = court
                smode = pick_mode("stp_year_only", "stp_year_month", 0.008)
                cstep = step.copy()
                cstep[_STP_DATE] = _render(court, smode)
                cstep[_STP_TYPE] = COURT
                cstep[_STP_ORI] = "CASC " + county
                cstep[_OFN] = self._ofn(court)
                deferred: list[list[str]] = []
                for k, (off, toc) in enumerate(charges, 1):
                    row = cstep.copy()
                    row[_CNT_ORDER] = f"{cyc}002{k:03d}000"
                    if k == 1 and smode:
                        emit("stp_year_only" if smode == 1 else "stp_year_month")
                    self._put_offense(row, off, emit)
                    row[_TOC] = toc
                    convicted = (force_conv and k == 1) or rnd() < (0.74 if k == 1 else 0.40)
                    if ooc:
                        ev((len(rows), "ooc_row"))
                    if not convicted:
                        row[_DISP] = "DISMISSED/CHARGE DROPPED"
                        rows.append(row)
                        continue
                    convicted_any = True
                    # conviction status (CONV_STAT_DESCR) and gogen's felony flag
                    if toc == "F":
                        stat = "FELONY" if force_felony or rnd() < 0.85 else "MISDEMEANOR"
                    elif toc == "M":
                        stat = "MISDEMEANOR"
                    else:
                        stat = "INFRACTION"
                    emit(
                        "conv_felony"
                        if stat == "FELONY"
                        else "conv_misdemeanor"
                        if stat == "MISDEMEANOR"
                        else "conv_infraction"
                    )
                    blank_tag = "blank_stat_toc_f" if toc == "F" else "blank_stat_toc_m"
                    if (pending and blank_tag in pending) or rnd() < 0.04:
                        emit(blank_tag)
                        row[_STAT] = ""
                    else:
                        row[_STAT] = stat
                    felony = stat == "FELONY"
                    ev((len(rows), "conviction"))
                    if felony:
                        ev((len(rows), "felony_conviction"))
                    if off.section is not None:
                        ev((len(rows), "prop64_conviction"))
                        if court > _PROP64:
                            emit("p64_after_2016")
                        elif court == _PROP64:
                            emit("p64_on_20161109")
                    if k == 1:
                        if role in ("serious", "p64serious"):
                            serious_left -= 1
                            if serious_left == 0:
                                emit(serious or "")
                        elif role == "tp":
                            tp_left -= 1
                            if tp_left == 0:
                                emit(f"same_section_felony_x{tp}")
                    # disposition and sentence parts (a 2nd part = a 2nd row, same CNT_ORDER)
                    nonadj_forced = k == 1 and force_nonadj
                    adj_forced = (
                        not nonadj_forced
                        and stat != "INFRACTION"
                        and bool(pending)
                        and "dup_sentence_adjacent" in pending
                    )
                    parts = self._sentence(stat, nonadj_forced or adj_forced)
                    row[_DISP] = parts[0]
                    if len(parts) > 1:
                        row[_SENT_LOC], row[_SENT_LEN], row[_SENT_CODE] = parts[1]
                    rows.append(row)
                    if len(parts) > 2:
                        row2 = row.copy()
                        row2[_SENT_LOC], row2[_SENT_LEN], row2[_SENT_CODE] = parts[2]
                        if k < len(charges) and not adj_forced and (nonadj_forced or rnd() < 0.4):
                            deferred.append(row2)
                        else:
                            emit("dup_sentence_adjacent")
                            ev((len(rows), "dup_row"))
                            if ooc:
                                ev((len(rows), "ooc_row"))
                            rows.append(row2)
                for row2 in deferred:
                    emit("dup_sentence_nonadjacent")
                    ev((len(rows), "dup_row"))
                    if ooc:
                        ev((len(rows), "ooc_row"))
                    rows.append(row2)

            # step 003+: registrations
            if convicted_any and (
                (role == "serious" and reg290) or (not reg11590_done and role is None)
            ):
                n_step += 1
                reg_date = min(_MAX_ORD, step_event + 1 + int(rnd() * 120))
                step_event = reg_date
                row = step.copy()
                row[_STP_DATE] = _ymd(reg_date)
                row[_STP_TYPE] = REGISTRATION
                row[_CNT_ORDER] = f"{cyc}{n_step:03d}001000"
                if role == "serious":
                    row[_OFFENSE] = REG_290
                    emit("registration_290")
                else:
                    row[_OFFENSE] = REG_11590
                    reg11590_done = True
                    emit("registration_11590")
                ev((len(rows), "registration"))
                if ooc:
                    ev((len(rows), "ooc_row"))
                rows.append(row)
            last_event = max(last_event, step_event)

            # final step of the last cycle: deceased
            if deceased and c == n - 1:
                n_step += 1
                died = min(_MAX_ORD, last_event + 30 + int(rnd() * 3000))
                row = base.copy()
                row[_CYC_DATE] = cyc_date
                row[_STP_DATE] = _ymd(died)
                row[_STP_TYPE] = DECEASED
                row[_STP_ORI] = "CACO " + home
                row[_CNTY] = home
                row[_CNT_ORDER] = f"{cyc}{n_step:03d}001000"
                emit("deceased")
                rows.append(row)
        return rows, events

    def _put_offense(self, row: list[str], off: _Offense, emit: Callable[[str], None]) -> None:
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
            emit("see_comment")
            row[_OFFENSE] = SEE_COMMENT
            row[_COMMENT] = off.descr
        elif x < 0.012:
            emit("blank_offense_comment")
            row[_COMMENT] = off.descr
        else:
            if off.tag is not None:
                emit(off.tag)
            row[_OFFENSE] = off.descr
            if x > 0.995 and off.section is None:
                emit("other_p64_in_comment")
                row[_COMMENT] = _P64_COMMENTS[int((x - 0.995) * 600) % len(_P64_COMMENTS)]

    def _sentence(self, stat: str, want_dup: bool) -> tuple[Any, ...]:
        """(DISP_DESCR, sentence part 1?, sentence part 2?) for a conviction."""
        rnd = self.rng.random
        r = rnd()
        if want_dup:
            kind = "PROBATION"
        elif stat == "FELONY":
            kind = "PRISON" if r < 0.15 else "PROBATION" if r < 0.6 else "JAIL" if r < 0.9 else ""
        elif stat == "MISDEMEANOR":
            kind = "PROBATION" if r < 0.45 else "JAIL" if r < 0.85 else ""
        else:
            kind = ""
        if not kind:
            return ("CONVICTED",)
        if kind == "PRISON":
            part = ("PRISON", "16", "M") if rnd() < 0.3 else ("PRISON", str(2 + int(rnd() * 7)), "Y")
            return ("CONVICTED-PRISON", part)
        if kind == "PROBATION":
            part = (
                ("PROBATION", str(1 + int(rnd() * 5)), "Y")
                if rnd() < 0.6
                else ("PROBATION", str(12 + int(rnd() * 49)), "M")
            )
            if want_dup or rnd() < 0.25:
                jail = ("JAIL", str(1 + int(rnd() * 180)), "D")
                return ("CONVICTED-PROBATION", part, jail)
            return ("CONVICTED-PROBATION", part)
        part = (
            ("JAIL", str(1 + int(rnd() * 365)), "D")
            if rnd() < 0.8
            else ("JAIL", str(1 + int(rnd() * 12)), "M")
        )
        if rnd() < 0.08:
            return ("CONVICTED-JAIL", part, ("PROBATION", str(1 + int(rnd() * 3)), "Y"))
        return ("CONVICTED-JAIL", part)
