"""How the court documents present each state: caption, filing party, identifiers, relief wording
and the citation the motion rests on, as data (`presentation/<jurisdiction>.yaml`).

    presentation/us-ca.yaml                  the state's profile (schema court-presentation/v1)
    presentation/us-ca/san-joaquin.yaml      a county's override (court-presentation-county/v1):
                                             its filing party, or any caption line, replaces
                                             the state's

The writer (exports/court_pdf.py) holds no state's wording: everything a court reads that differs
between states comes from here. Fail closed: a court document for a jurisdiction without a
profile, for a law its profile does not describe, or granting a relief it has no wording for
stops the export with an error naming the file to write (`PresentationError`); nothing falls
back to a default style. What the project cannot know (the attorney's name, bar number, office
address, the motion's case number) is `null` in the shipped profiles and prints as a blank line
to fill in by hand (`BLANK`); a county's file supplies it. `{county}` in any text is replaced by
the county's name, upper case. docs/court-documents.md says how to add or change a profile.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from orchestration.lib.vocabularies import Relief
from orchestration.lib.yaml_files import read_mapping
from orchestration.rules.load import format_validation_error
from orchestration.rules.schema import ID_RE, research_note_in

SCHEMA = "court-presentation/v1"
COUNTY_SCHEMA = "court-presentation-county/v1"
JURISDICTION_RE = r"^[A-Z]{2}-[A-Z]{2}$"
# what a field the project cannot know prints as: a line to fill in by hand
BLANK = "______________________"
# the decision-row columns a profile may print as identifiers (exports/load.py gives them)
IdentifierField = Literal["cii_number", "otn", "case_number"]
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


class PresentationError(ValueError):
    """A court document cannot be presented: no profile, an invalid one, or a law or relief the
    profile does not word. The message names the file to write or fix."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="after")
    def _only_county_placeholder(self) -> _Strict:
        """`{county}` is the one placeholder: a typo such as `{County}` would print as is."""
        for name, value in self.__dict__.items():
            texts = value if isinstance(value, list) else [value]
            for text in texts:
                if not isinstance(text, str):
                    continue
                bad = [p for p in _PLACEHOLDER.findall(text) if p != "{county}"]
                if bad:
                    raise ValueError(f"{name}: unknown placeholder {bad[0]} (only {{county}})")
        return self


class Caption(_Strict):
    """The court, the parties and who signs: the document's caption and signature blocks."""

    court: str  # "SUPERIOR COURT OF CALIFORNIA, COUNTY OF {county}"
    plaintiff: str  # "THE PEOPLE OF THE STATE OF CALIFORNIA"
    defendants: str  # "THE PERSONS LISTED IN THE TABLE BELOW"
    movant: str  # the prosecuting office: "DISTRICT ATTORNEY, COUNTY OF {county}"
    movant_signer: str  # the signer's title: "Deputy District Attorney"
    judge: str  # under the judge's signature line
    records_clause: str  # the order's last sentence: who updates which records


class CaptionOverride(_Strict):
    court: str | None = None
    plaintiff: str | None = None
    defendants: str | None = None
    movant: str | None = None
    movant_signer: str | None = None
    judge: str | None = None
    records_clause: str | None = None


class FilingParty(_Strict):
    """Who files the motion. `null` prints as a blank line to fill in by hand (BLANK): the shipped
    state profiles never name a person; a county's file does."""

    attorney_name: str | None = None
    bar_number_label: str  # "State Bar No.", "Utah Bar No.", "Attorney I.D. No."
    bar_number: str | None = None
    address: list[str] | None = None  # the office's address, one line each
    telephone: str | None = None
    email: str | None = None
    attorney_for: str  # "Attorney for the Plaintiff"
    case_number_label: str  # "Case No.": the motion's own number, in the caption
    case_number: str | None = None


class FilingPartyOverride(_Strict):
    attorney_name: str | None = None
    bar_number_label: str | None = None
    bar_number: str | None = None
    address: list[str] | None = None
    telephone: str | None = None
    email: str | None = None
    attorney_for: str | None = None
    case_number_label: str | None = None
    case_number: str | None = None


class Identifier(_Strict):
    field: IdentifierField
    label: str  # printed before the value on its line: "CII", "OTN", "Case", "Docket"


class Identifiers(_Strict):
    """The identifiers column of the table: its heading and one line per identifier a row has.
    The case number is always listed: a row without one says `missing_case_number`."""

    heading: str  # "CII / Case no."
    lines: list[Identifier] = Field(min_length=1)
    missing_case_number: str  # "case number not recorded"

    @model_validator(mode="after")
    def _case_number_listed_once(self) -> Identifiers:
        fields = [i.field for i in self.lines]
        if len(set(fields)) != len(fields):
            raise ValueError("lines: each field at most once")
        if "case_number" not in fields:
            raise ValueError("lines: the case number must be listed (field case_number)")
        return self


class ReliefWording(_Strict):
    title: str  # in the document's title, upper case: "DISMISSAL AND SEALING"
    table: str  # in the table's relief column: "Dismiss and seal"


class ProgramPresentation(_Strict):
    """One law's documents: the title's relief wording when no listed charge carries a relief of
    `reliefs`, and the citation the motion and the order rest on."""

    relief_title: str  # "DISMISSAL, SEALING OR REDESIGNATION"
    citation: str  # "Cal. Health & Safety Code § 11361.9(b)-(c)": what a court reads

    @field_validator("citation")
    @classmethod
    def _court_citation(cls, v: str) -> str:
        found = research_note_in(v)
        if found:
            raise ValueError(f"citation {v!r} carries a research note ({found!r})")
        return v


class StateProfile(_Strict):
    schema_: Literal["court-presentation/v1"] = Field(alias="schema")
    jurisdiction: Annotated[str, Field(pattern=JURISDICTION_RE)]
    caption: Caption
    filing_party: FilingParty
    identifiers: Identifiers
    reliefs: dict[Relief, ReliefWording]  # in title order
    programs: dict[Annotated[str, Field(pattern=ID_RE)], ProgramPresentation]


class CountyProfile(_Strict):
    schema_: Literal["court-presentation-county/v1"] = Field(alias="schema")
    jurisdiction: Annotated[str, Field(pattern=JURISDICTION_RE)]
    county: str  # as the records write it: "SAN JOAQUIN" (case and spaces do not matter)
    caption: CaptionOverride | None = None
    filing_party: FilingPartyOverride | None = None


@dataclass(frozen=True)
class Presentation:
    """A state's profile with its county's override applied: what one court document prints."""

    jurisdiction: str
    county: str | None
    caption: Caption
    filing_party: FilingParty
    identifiers: Identifiers
    reliefs: dict[str, ReliefWording]
    programs: dict[str, ProgramPresentation]
    files: dict[str, str] = field(default_factory=dict)  # profile file -> SHA-256

    def program(self, program_id: str) -> ProgramPresentation:
        found = self.programs.get(program_id)
        if found is None:
            raise PresentationError(
                f"{self.source}: no wording for law {program_id} (add programs.{program_id}: "
                "relief_title, citation; docs/court-documents.md)"
            )
        return found

    def relief(self, code: str) -> ReliefWording:
        found = self.reliefs.get(code)
        if found is None:
            raise PresentationError(
                f"{self.source}: no wording for relief {code!r} (add reliefs.{code}: title, "
                "table; docs/court-documents.md)"
            )
        return found

    @property
    def source(self) -> str:
        return next(iter(self.files), f"the {self.jurisdiction} profile")


def county_slug(county: str) -> str:
    """A county's file name: 'San Joaquin' -> 'san-joaquin'."""
    return re.sub(r"[^a-z0-9]+", "-", county.lower()).strip("-")


def state_file(folder: Path, jurisdiction: str) -> Path:
    return folder / f"{jurisdiction.lower()}.yaml"


def county_file(folder: Path, jurisdiction: str, county: str) -> Path:
    return folder / jurisdiction.lower() / f"{county_slug(county)}.yaml"


def _read(path: Path, model: type[BaseModel]) -> tuple[Any, str]:
    raw, data = read_mapping(path, PresentationError)
    try:
        return model.model_validate(data), hashlib.sha256(raw).hexdigest()
    except ValidationError as e:
        raise PresentationError(format_validation_error(str(path), e)) from None


def load_state_profile(path: Path) -> tuple[StateProfile, str]:
    profile, sha256 = _read(path, StateProfile)
    want = path.stem.upper()
    if profile.jurisdiction != want:
        raise PresentationError(
            f"{path}: jurisdiction {profile.jurisdiction} in a file named for {want}"
        )
    return profile, sha256


def load_county_profile(path: Path, jurisdiction: str, county: str) -> tuple[CountyProfile, str]:
    profile, sha256 = _read(path, CountyProfile)
    if profile.jurisdiction != jurisdiction or county_slug(profile.county) != county_slug(county):
        raise PresentationError(
            f"{path}: says {profile.jurisdiction} county {profile.county!r}; a file in this "
            f"place is for {jurisdiction} county {county!r}"
        )
    return profile, sha256


def _merged(base: BaseModel, override: BaseModel | None) -> Any:
    if override is None:
        return base
    return base.model_copy(update=override.model_dump(exclude_unset=True))


def load_presentation(folder: Path, jurisdiction: str, county: str | None) -> Presentation:
    """The profile of `jurisdiction` with `county`'s override (when the file exists)."""
    path = state_file(folder, jurisdiction)
    if not path.is_file():
        raise PresentationError(
            f"no presentation profile for {jurisdiction}: {path} is missing. A court document "
            f"for {jurisdiction} needs its caption, filing party, identifiers and relief wording "
            "there (docs/court-documents.md); nothing falls back to another state's"
        )
    state, sha256 = load_state_profile(path)
    files = {_name(folder, path): sha256}
    caption, filing_party = state.caption, state.filing_party
    if county:
        cpath = county_file(folder, jurisdiction, county)
        if cpath.is_file():
            local, csha = load_county_profile(cpath, jurisdiction, county)
            caption = _merged(caption, local.caption)
            filing_party = _merged(filing_party, local.filing_party)
            files[_name(folder, cpath)] = csha
    return Presentation(
        jurisdiction=jurisdiction,
        county=county,
        caption=caption,
        filing_party=filing_party,
        identifiers=state.identifiers,
        reliefs=dict(state.reliefs),
        programs=dict(state.programs),
        files=files,
    )


def _name(folder: Path, path: Path) -> str:
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return str(path)


def presentations_for(
    folder: Path, documents: list[tuple[str, str | None, str, list[str]]]
) -> dict[tuple[str, str | None], Presentation]:
    """The presentation of every court document to write, checked before any is written:
    `documents` lists (jurisdiction, county, program, reliefs of its rows). Every problem is
    raised at once (PresentationError), each naming its file."""
    found: dict[tuple[str, str | None], Presentation] = {}
    problems: list[str] = []
    for jurisdiction, county, program, reliefs in documents:
        key = (jurisdiction, county)
        if key not in found:
            try:
                found[key] = load_presentation(folder, jurisdiction, county)
            except PresentationError as e:
                if str(e) not in problems:
                    problems.append(str(e))
                continue
        try:
            found[key].program(program)
        except PresentationError as e:
            if str(e) not in problems:
                problems.append(str(e))
        for relief in sorted(set(reliefs)):
            try:
                found[key].relief(relief)
            except PresentationError as e:
                if str(e) not in problems:
                    problems.append(str(e))
    if problems:
        raise PresentationError("\n".join(problems))
    return found
