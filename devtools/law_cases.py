"""Law cases: fabricated histories with their expected decisions, next to each rule file.

`rules/<state>/cases/*.yaml` files are written for lawyers to read. Each case is one person's
history in a compact form of the canonical format; `write_case_extract` turns it into a
canonical extract folder so the case runs through the real ingest, dbt models and checks.

    program: us_ut_clean_slate
    as_of: 2025-07-01
    cases:
      - id: U1
        title: Retail theft class B, guilty 2016-06-30, no other record
        person: {dob: 1980-01-01}
        charges:
          - {id: c1, case: k1, statute: 76-6-602, level: misdemeanor, grade: B,
             disposition: convicted, disposition_date: 2016-06-30}
        expect:
          c1: {determination: eligible, relief: expunge}

Charge keys: id, case, arrest, statute, description, level, grade, max_penalty_years,
offense_date, dv, traffic, disposition, disposition_date, sentences (list of {type, length,
unit, start, end, revoked}). Top-level lists: arrests ({id, date, episode, county}), cases
({id, arrest, status, restitution_balance, county, filing_date}), registrations ({type, start,
end}), supervision ({type, agency, start, end}). `missing_sources: [supervision]` leaves that
file out (the source does not say). Expectation keys: determination (required), relief,
eligible_on, rule (the deciding rule id), missing (text in missing_facts), reason (text in
reasons).
"""

import csv
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from orchestration.ingest.canonical_format import TABLES
from orchestration.lib.vocabularies import Determination, Relief, SentenceUnit
from orchestration.lib.yaml_files import load_yaml
from orchestration.rules.load import RuleFileError, format_validation_error

# YAML reads 2016-06-30 as a date and 2016 as an int; the canonical format wants text.
DateText = Annotated[
    str, BeforeValidator(lambda v: v.isoformat() if isinstance(v, date) else str(v))
]


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CaseSentence(_M):
    type: str
    length: int | None = None
    unit: SentenceUnit | None = None
    start: DateText | None = None
    end: DateText | None = None
    revoked: bool | None = None


class CaseCharge(_M):
    id: str
    statute: str
    case: str | None = None
    arrest: str | None = None
    description: str | None = None
    level: str | None = None
    grade: str | None = None
    max_penalty_years: float | None = None
    offense_date: DateText | None = None
    dv: bool | None = None
    traffic: bool | None = None
    disposition: str | None = None
    disposition_date: DateText | None = None
    sentences: list[CaseSentence] = []


class Expectation(_M):
    determination: Determination
    relief: Relief | None = None
    eligible_on: date | None = None
    rule: str | None = None
    missing: str | None = None
    reason: str | None = None


class Case(_M):
    id: str
    title: str
    as_of: date | None = None
    options: dict[str, Any] | None = None
    person: dict[str, Any] = {}
    arrests: list[dict[str, Any]] = []
    cases: list[dict[str, Any]] = []
    charges: list[CaseCharge] = Field(min_length=1)
    registrations: list[dict[str, Any]] = []
    supervision: list[dict[str, Any]] = []
    missing_sources: list[Literal["supervision", "registrations"]] = []
    expect: dict[str, Expectation] = Field(min_length=1)


class CaseFile(_M):
    program: str
    state: str
    as_of: date
    options: dict[str, Any] | None = None
    cases: list[Case] = Field(min_length=1)


@dataclass(frozen=True)
class LoadedCase:
    file: Path
    program: str
    state: str
    as_of: date
    options: dict[str, Any] | None
    case: Case
    group: str = field(init=False)

    def __post_init__(self) -> None:
        opts = json.dumps(self.options, sort_keys=True) if self.options else ""
        object.__setattr__(self, "group", f"{self.as_of.isoformat()}|{opts}")

    @property
    def extract_name(self) -> str:
        return f"{self.program}__{self.case.id}".replace("/", "_")


def load_case_files(rules_dir: Path) -> list[LoadedCase]:
    out: list[LoadedCase] = []
    for path in sorted(rules_dir.rglob("cases/*.yaml")):
        try:
            cf = CaseFile.model_validate(load_yaml(path.read_bytes()))
        except ValidationError as e:
            raise RuleFileError(format_validation_error(str(path), e)) from None
        ids = [c.id for c in cf.cases]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            raise RuleFileError(f"{path}: case ids defined twice: {', '.join(sorted(dupes))}")
        for c in cf.cases:
            unknown = set(c.expect) - {ch.id for ch in c.charges}
            if unknown:
                raise RuleFileError(f"{path}: case {c.id} expects unknown charge(s) {unknown}")
            out.append(
                LoadedCase(
                    file=path,
                    program=cf.program,
                    state=cf.state,
                    as_of=c.as_of or cf.as_of,
                    options=c.options if c.options is not None else cf.options,
                    case=c,
                )
            )
    return out


def _yn(v: bool | None) -> str:
    return "" if v is None else ("Y" if v else "N")


def _s(v: Any) -> str:
    return "" if v is None else str(v)


def write_case_extract(lc: LoadedCase, root: Path) -> Path:
    """The case as a canonical extract folder (one person, id P)."""
    c = lc.case
    folder = root / lc.extract_name
    folder.mkdir(parents=True, exist_ok=True)
    person = {
        "person_id": "P",
        "state": lc.state,
        "name": "CASE,FABRICATED",
        "dob": _s(c.person.get("dob", "1975-01-01")),
        "deceased_date": _s(c.person.get("deceased_date")),
    }
    rows: dict[str, list[dict[str, str]]] = {t: [] for t in TABLES}
    rows["persons"].append(person)
    for a in c.arrests:
        rows["arrests"].append(
            {
                "arrest_id": a["id"],
                "person_id": "P",
                "arrest_date": _s(a.get("date")),
                "agency": "",
                "county": _s(a.get("county")),
                "episode_id": _s(a.get("episode")),
            }
        )
    for k in c.cases:
        rows["cases"].append(
            {
                "case_id": k["id"],
                "person_id": "P",
                "arrest_id": _s(k.get("arrest")),
                "court": "",
                "county": _s(k.get("county")),
                "filing_date": _s(k.get("filing_date")),
                "case_status": _s(k.get("status", "closed")),
                "restitution_balance": _s(k.get("restitution_balance", 0)),
            }
        )
    for ch in c.charges:
        rows["charges"].append(
            {
                "charge_id": ch.id,
                "person_id": "P",
                "arrest_id": _s(ch.arrest),
                "case_id": _s(ch.case),
                "statute": ch.statute,
                "description": _s(ch.description),
                "level": _s(ch.level),
                "grade": _s(ch.grade),
                "max_penalty_years": _s(ch.max_penalty_years),
                "offense_date": _s(ch.offense_date),
                "is_dv": _yn(ch.dv),
                "is_traffic": _yn(ch.traffic),
            }
        )
        if ch.disposition:
            rows["dispositions"].append(
                {
                    "charge_id": ch.id,
                    "disposition_date": _s(ch.disposition_date),
                    "disposition": ch.disposition,
                }
            )
        for s in ch.sentences:
            rows["sentences"].append(
                {
                    "charge_id": ch.id,
                    "sentence_type": s.type,
                    "length": _s(s.length),
                    "unit": _s(s.unit),
                    "start_date": _s(s.start),
                    "end_date": _s(s.end),
                    "revoked": _yn(s.revoked),
                }
            )
    for r in c.registrations:
        rows["registrations"].append(
            {
                "person_id": "P",
                "registration_type": r["type"],
                "start_date": _s(r.get("start")),
                "end_date": _s(r.get("end")),
            }
        )
    for s in c.supervision:
        rows["supervision"].append(
            {
                "person_id": "P",
                "supervision_type": s["type"],
                "agency": _s(s.get("agency")),
                "start_date": _s(s.get("start")),
                "end_date": _s(s.get("end")),
            }
        )
    for name, table in TABLES.items():
        if name in c.missing_sources:
            continue
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=list(table.columns), lineterminator="\n")
            w.writeheader()
            w.writerows(rows[name])
    return folder
