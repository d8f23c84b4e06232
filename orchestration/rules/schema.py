"""The rule-file schema (`rules/<jurisdiction>/<law>.yaml`), validated on load.

A rule file is data a legal team can read: citations, policy parameters, named code sets, a
scope and an ordered list of rules. Each rule's `when` is a list of conditions (all must hold)
drawn from a closed catalog (`Condition` below); each condition type is evaluated by one SQL
block in `dbt_project/models/intermediate/int_rule_conditions_evaluated.sql`. A new law built
from these condition types is a new YAML file and no code.
"""

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

STATUTE_RE = re.compile(r"^[A-Z]{2}:[A-Z]{2}:[0-9A-Z.]+(\([0-9a-z]+\))*$")
ID_RE = r"^[a-z][a-z0-9_]*$"

Outcome = Literal["eligible", "not_eligible", "needs_review"]
Relief = Literal["dismiss", "reduce"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ParamRef(Strict):
    """`{param: name}`: the value comes from a parameter (default or county options)."""

    param: str


class Citation(Strict):
    id: Annotated[str, Field(pattern=ID_RE)]
    ref: str
    url: str | None = None
    confidence: Literal["T", "S", "M"]


class Parameter(Strict):
    type: Literal["bool", "int", "section_list", "enum"]
    default: Any
    allowed: list[Any] | None = None
    options_key: str | None = None
    note: str | None = None

    def allowed_text(self) -> str:
        return ", ".join(str(a) for a in self.allowed or [])

    def check(self, name: str, value: Any) -> Any:
        """Return the value if it is valid for this parameter, else raise ValueError."""
        if self.type == "bool":
            if not isinstance(value, bool):
                raise ValueError(f"{name} must be true or false, got {value!r}")
            return value
        if self.type == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{name} must be a whole number, got {value!r}")
            if self.allowed is not None and not _int_allowed(value, self.allowed):
                raise ValueError(f"{name} must be one of {self.allowed_text()}, got {value}")
            return value
        if self.type == "enum":
            if value not in (self.allowed or []):
                raise ValueError(f"{name} must be one of {self.allowed_text()}, got {value!r}")
            return value
        # section_list
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"{name} must be a list of code sections, got {value!r}")
        unknown = [v for v in value if self.allowed is not None and v not in self.allowed]
        if unknown:
            raise ValueError(
                f"{name} has unknown section(s) {', '.join(unknown)}; "
                f"allowed: {self.allowed_text()}"
            )
        return list(dict.fromkeys(value))  # keep order, drop duplicates


def _int_allowed(value: int, allowed: list[Any]) -> bool:
    for a in allowed:
        if isinstance(a, int) and not isinstance(a, bool) and value == a:
            return True
        if isinstance(a, str) and re.fullmatch(r"\d+\.\.\d+", a):
            lo, hi = (int(x) for x in a.split(".."))
            if lo <= value <= hi:
                return True
    return False


class CodeSetMember(Strict):
    statute: str
    match: Literal["prefix", "exact"] = "prefix"  # prefix = at a subdivision boundary
    attempt: Literal["include", "exclude", "only"] = "include"
    with_enhancement: str | None = None

    @field_validator("statute", "with_enhancement")
    @classmethod
    def _canonical(cls, v: str | None) -> str | None:
        if v is not None and not STATUTE_RE.match(v):
            raise ValueError(
                f"statute {v!r} is not canonical (e.g. CA:HS:11357 or CA:PC:288(a): "
                "jurisdiction:code:section, lower-case subdivisions)"
            )
        return v


# --- The condition catalog. Add a type here and its SQL block together. ---------------------

IntOrParam = int | ParamRef
BoolOrParam = bool | ParamRef


class StatuteInSet(Strict):
    """The conviction's statute is in a named code set."""

    type: Literal["statute_in_set"]
    code_set: str


class SectionIn(Strict):
    """The conviction's section is one of a list (usually a county policy parameter)."""

    type: Literal["section_in"]
    code: Annotated[str, Field(pattern=r"^[A-Z]{2}:[A-Z]{2}$")]
    sections: list[str] | ParamRef


class LevelIn(Strict):
    """Felony / misdemeanor / infraction, from CONV_STAT_DESCR else OFFENSE_TOC."""

    type: Literal["level_in"]
    levels: list[Literal["felony", "misdemeanor", "infraction"]]


class DateAfter(Strict):
    """The conviction date is strictly after a date."""

    type: Literal["date_after"]
    date: date


class HasOtherConviction(Strict):
    """Another conviction of the same person is in a code set (optionally earlier, same section)."""

    type: Literal["has_other_conviction"]
    code_set: str
    must_precede: BoolOrParam = True
    same_section: bool = False
    min_count: int = 1


class HasRegistration(Strict):
    """The person has a registration event (PC 290 sex-offender registration)."""

    type: Literal["has_registration"]
    registration: Literal["pc_290"]
    must_precede: BoolOrParam = True


class AgeAtOffenseLt(Strict):
    type: Literal["age_at_offense_lt"]
    years: IntOrParam


class AgeAtAsOfGe(Strict):
    type: Literal["age_at_as_of_ge"]
    years: IntOrParam


class YearsSinceConvictionGe(Strict):
    type: Literal["years_since_conviction_ge"]
    years: IntOrParam


class NoConvictionWithinYears(Strict):
    type: Literal["no_conviction_within_years"]
    years: IntOrParam


class AllConvictionsInSet(Strict):
    type: Literal["all_convictions_in_set"]
    code_set: str


class SubjectDeceased(Strict):
    type: Literal["subject_deceased"]


Condition = Annotated[
    StatuteInSet
    | SectionIn
    | LevelIn
    | DateAfter
    | HasOtherConviction
    | HasRegistration
    | AgeAtOffenseLt
    | AgeAtAsOfGe
    | YearsSinceConvictionGe
    | NoConvictionWithinYears
    | AllConvictionsInSet
    | SubjectDeceased,
    Field(discriminator="type"),
]
CONDITION_TYPES: tuple[str, ...] = tuple(
    t.model_fields["type"].annotation.__args__[0]  # type: ignore[union-attr]
    for t in Condition.__origin__.__args__  # type: ignore[attr-defined]
)


class Rule(Strict):
    id: Annotated[str, Field(pattern=ID_RE)]
    when: list[Condition]
    outcome: Outcome | ParamRef
    relief: Relief | None = None
    reason: str
    cite: list[str] = Field(min_length=1)
    enabled: BoolOrParam = True
    on_unknown: Literal["review", "skip"] = "review"


class Effective(Strict):
    from_: date = Field(alias="from")
    to: date | None = None


class RuleFile(Strict):
    schema_: Literal["clearance-rules/v1"] = Field(alias="schema")
    program: Annotated[str, Field(pattern=ID_RE)]
    jurisdiction: Annotated[str, Field(pattern=r"^[A-Z]{2}-[A-Z]{2}$")]
    title: str
    law_version: date
    effective: Effective
    unit: Literal["conviction"]
    citations: list[Citation] = Field(min_length=1)
    parameters: dict[str, Parameter] = {}
    code_sets: dict[str, list[CodeSetMember]] = {}
    scope: list[Condition] = Field(min_length=1)
    rules: list[Rule] = Field(min_length=1)

    @model_validator(mode="after")
    def _references(self) -> "RuleFile":
        """Every citation, code set and parameter a rule names must exist."""
        cites = {c.id for c in self.citations}
        if len(cites) != len(self.citations):
            raise ValueError("citation ids must be unique")
        ids = [r.id for r in self.rules]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"rule ids must be unique: {', '.join(dupes)}")
        for name, p in self.parameters.items():
            if not re.match(ID_RE, name):
                raise ValueError(f"parameter name {name!r} must be snake_case")
            try:
                p.check(name, p.default)
            except ValueError as e:
                raise ValueError(f"default of parameter {e}") from None
        where = [("scope", c) for c in self.scope]
        for r in self.rules:
            missing = [c for c in r.cite if c not in cites]
            if missing:
                raise ValueError(f"rule {r.id}: unknown citation(s) {', '.join(missing)}")
            if r.outcome == "eligible" and r.relief is None:
                raise ValueError(f"rule {r.id}: an eligible outcome needs a relief")
            where += [(f"rule {r.id}", c) for c in r.when]
            for v in (r.outcome, r.enabled):
                self._check_param(f"rule {r.id}", v)
        for label, c in where:
            code_set = getattr(c, "code_set", None)
            if code_set is not None and code_set not in self.code_sets:
                raise ValueError(f"{label}: unknown code set {code_set!r}")
            for v in c.__dict__.values():
                self._check_param(label, v)
        return self

    def _check_param(self, label: str, v: Any) -> None:
        if isinstance(v, ParamRef) and v.param not in self.parameters:
            raise ValueError(f"{label}: unknown parameter {v.param!r}")
