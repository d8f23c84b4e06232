"""The rule-file schema (`rules/<jurisdiction>/<law>.yaml`), validated on load.

A rule file is data a legal team can read: citations, policy parameters, named code sets, a
scope and an ordered list of rules. Each rule's `when` is a list of conditions (all must hold)
drawn from a closed catalog (`Condition` below). Each condition type has one home, the folder
`orchestration/rules/conditions/`: `<type>.py` (its parameters, its plain-language description,
whether it is a time condition) and `<type>.sql` (the dbt macro `condition__<type>` that
evaluates it). A type without its SQL fails closed: its conditions are unknown (needs_review,
naming them), never true. A new law built from these condition types is a new YAML file and no
code.
"""

import re
from datetime import date
from typing import Annotated, Any, Literal, Union

from pydantic import Field, field_validator, model_validator

# A rule's outcome (any determination but not_yet_eligible: that one comes only from an
# `eligible` rule held up by time conditions alone, and always with the date, eligible_on) and
# its relief: the vocabularies (orchestration/lib/vocabularies.py).
from orchestration.lib.vocabularies import RULE_OUTCOMES, Relief, RuleOutcome
from orchestration.rules import conditions as _conditions
from orchestration.rules.conditions._common import (  # noqa: F401 (this module's public names)
    DURATION_RE,
    Anchor,
    BoolOrParam,
    ConvictionFilter,
    DateField,
    Disposition,
    Duration,
    DurationOrParam,
    Grade,
    IntOrParam,
    Level,
    ParamRef,
    Strict,
)

# jurisdiction:code:section(sub)(sub): CA:HS:11357(c), UT:58:37-8(2)(a)(i), PA:18:3929
STATUTE_RE = re.compile(r"^[A-Z]{2}:[A-Z0-9]+:[0-9A-Z.\-]+(\([0-9a-z]+\))*$")
ID_RE = r"^[a-z][a-z0-9_]*$"


def _not_yet_eligible_outcome() -> str:
    return (
        "outcome not_yet_eligible is not a rule outcome: a decision is not_yet_eligible only "
        "when an `eligible` rule is held up by time conditions alone "
        f"({', '.join(TIME_CONDITIONS)}), and then it carries the date they hold (eligible_on). "
        "A bar that lifts without a known date (a pending case, supervision, unpaid "
        "restitution) is `not_eligible`, with a reason that names the obstacle and what would "
        "lift it"
    )


# What a research note says and a citation never does: a citation's `ref` is quoted in reasons,
# `explain`, `trace` and the review workbook, so a note about the research ("open question",
# "not re-read", "flag for counsel", a pointer to clearance-law.md, "pending" as a bill's status)
# goes in the citation's `note`, which nothing prints. "pending" before what is pending (a
# pending charge, case, proceeding, plea) is law, not a note.
RESEARCH_NOTE_RE = re.compile(
    r"clearance-law|open question|flag for counsel|not re-read|\bverify\b|\bTODO\b"
    r"|\bpending\b(?!\s+(?:criminal|misdemeanor|felony|charges?|cases?|proceedings?|pleas?)\b)",
    re.IGNORECASE,
)


def research_note_in(text: str) -> str | None:
    """The research note in `text` (the matched words), or None when there is none."""
    m = RESEARCH_NOTE_RE.search(text)
    return m.group(0) if m else None


def without_research_notes(text: str | None) -> str | None:
    """Citations as `explain` and `trace` print them: of a "; "-separated list (a rule's or a
    law's citations, or the bracketed ones ending a decision's reasons), those carrying a research
    note dropped. The rule files cannot hold one any more (Citation.ref); a warehouse built from
    older files still may."""
    if not text:
        return text

    def clean(citations: str) -> str:
        return "; ".join(c for c in citations.split("; ") if research_note_in(c) is None)

    if text.endswith("]") and "[" in text:  # reasons: "<why> [<citations>]"
        head, _, cited = text[:-1].rpartition("[")
        return f"{head}[{clean(cited)}]"
    return clean(text)


class Citation(Strict):
    id: Annotated[str, Field(pattern=ID_RE)]
    ref: str  # the citation as a reader quotes it: printed wherever the rule is explained
    url: str | None = None
    confidence: Literal["T", "S", "M"]
    # what the research left open about it (what to verify, where the research file discusses
    # it): for the file's reviewers, never printed
    note: str | None = None

    @field_validator("ref")
    @classmethod
    def _no_research_note(cls, v: str) -> str:
        found = research_note_in(v)
        if found:
            raise ValueError(
                f"ref {v!r} carries a research note ({found!r}): the ref is printed in reasons, "
                "explain and trace; move the note into the citation's `note`"
            )
        return v


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
    # prefix: at a subdivision or chapter boundary, i.e. followed by "(" or "-"
    # (CA:HS:11357 matches CA:HS:11357(c), never CA:HS:11357.5; UT:76:5 matches UT:76:5-102)
    match: Literal["prefix", "exact", "starts_with"] = "prefix"
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


# --- The condition catalog: one type per file pair in orchestration/rules/conditions/ --------

# The parameter classes, one per type, found there (no list here): StatuteInSet, WaitingPeriod,
# ... stay importable from this module by their class names (module __getattr__ below).
Condition = Annotated[
    Union[tuple(_conditions.MODELS.values())],  # type: ignore[valid-type]  # noqa: UP007
    Field(discriminator="type"),
]
CONDITION_TYPES: tuple[str, ...] = _conditions.CONDITION_TYPES
# Conditions that can become true by waiting: they give a not_yet_eligible its eligible_on.
TIME_CONDITIONS: tuple[str, ...] = _conditions.TIME_CONDITIONS
_CONDITION_CLASSES = {m.__name__: m for m in _conditions.MODELS.values()}


def __getattr__(name: str) -> Any:
    """`from orchestration.rules.schema import WaitingPeriod`: a condition type's class."""
    if name in _CONDITION_CLASSES:
        return _CONDITION_CLASSES[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class NegatedCondition(Strict):
    """`{not: <condition>}`: the condition must NOT hold (unknown stays unknown)."""

    not_: Condition = Field(alias="not")


WhenItem = Annotated[Condition, Field(discriminator="type")] | NegatedCondition


class Rule(Strict):
    id: Annotated[str, Field(pattern=ID_RE)]
    when: list[WhenItem]
    outcome: RuleOutcome | ParamRef
    relief: Relief | None = None
    reason: str
    cite: list[str] = Field(min_length=1)
    enabled: BoolOrParam = True
    on_unknown: Literal["review", "skip"] = "review"
    verify: str | None = None  # an open legal question about this rule ("[M] verify ...")

    @field_validator("outcome", mode="before")
    @classmethod
    def _no_not_yet_eligible(cls, v: Any) -> Any:
        if v == "not_yet_eligible":
            raise ValueError(_not_yet_eligible_outcome())
        return v


class Aggregate(Strict):
    """Roll charge decisions up: a case (or arrest) is eligible only if all its charges are."""

    to: Literal["case", "arrest"]
    mode: Literal["all"] = "all"


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
    unit: Literal["charge"]
    aggregate: Aggregate | None = None
    status: Literal["in_force", "pending", "superseded"] = "in_force"
    citations: list[Citation] = Field(min_length=1)
    parameters: dict[str, Parameter] = {}
    code_sets: dict[str, list[CodeSetMember]] = {}
    scope: list[WhenItem] = Field(min_length=1)
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
        where = [("scope", _inner(c)) for c in self.scope]
        for r in self.rules:
            missing = [c for c in r.cite if c not in cites]
            if missing:
                raise ValueError(f"rule {r.id}: unknown citation(s) {', '.join(missing)}")
            if r.outcome == "eligible" and r.relief is None:
                raise ValueError(f"rule {r.id}: an eligible outcome needs a relief")
            if isinstance(r.outcome, ParamRef) and r.outcome.param in self.parameters:
                self._check_outcome_param(r.id, r.outcome.param)
            where += [(f"rule {r.id}", _inner(c)) for c in r.when]
            for v in (r.outcome, r.enabled):
                self._check_param(f"rule {r.id}", v)
        for label, c in where:
            filt = getattr(c, "where", None)
            for code_set in (
                getattr(c, "code_set", None),
                getattr(filt, "code_set", None),
                getattr(filt, "exclude_code_set", None),
            ):
                if code_set is not None and code_set not in self.code_sets:
                    raise ValueError(f"{label}: unknown code set {code_set!r}")
            for v in c.__dict__.values():
                self._check_param(label, v)
        return self

    def _check_outcome_param(self, rule_id: str, name: str) -> None:
        """A parameter that gives a rule's outcome offers rule outcomes only."""
        p = self.parameters[name]
        values = [p.default, *(p.allowed or [])]
        if p.type != "enum" or not p.allowed:
            raise ValueError(
                f"rule {rule_id}: outcome parameter {name!r} must be an enum of "
                f"{', '.join(RULE_OUTCOMES)}"
            )
        if "not_yet_eligible" in values:
            raise ValueError(f"rule {rule_id}: parameter {name!r}: {_not_yet_eligible_outcome()}")
        bad = [v for v in values if v not in RULE_OUTCOMES]
        if bad:
            raise ValueError(
                f"rule {rule_id}: outcome parameter {name!r} allows {bad[0]!r}; "
                f"a rule outcome is one of {', '.join(RULE_OUTCOMES)}"
            )

    def _check_param(self, label: str, v: Any) -> None:
        if isinstance(v, ParamRef) and v.param not in self.parameters:
            raise ValueError(f"{label}: unknown parameter {v.param!r}")


def _inner(item: Any) -> Any:
    return item.not_ if isinstance(item, NegatedCondition) else item


# --------------------------------------------------------------------------------------------
# Code inference tables (`rules/<jurisdiction>/code_inference.yaml`)

CODE_INFERENCE_SCHEMA = "clearance-code-inference/v1"
# A section number as the normalizer writes it: digits, optional decimal part (11361.5, 11362.785);
# bounded so that the SQL compares it as a numeric(28,6)
SECTION_NUMBER_RE = r"^[0-9]{1,9}(\.[0-9]{1,6})?$"
# A keyword: upper-case words of letters and digits, single spaces between them
KEYWORD_RE = r"^[A-Z0-9]+( [A-Z0-9]+)*$"


def section_number(text: str) -> tuple[int, str]:
    """A section number as a sortable key: 11362.45 sorts between 11362.4 and 11362.5 (a decimal
    part is a fraction, as statute numbering inserts sections), so compare (whole, fraction)."""
    whole, _, frac = text.partition(".")
    return int(whole), frac.rstrip("0")


class SectionRange(Strict):
    """Inclusive range of section numbers, compared as decimals: 11357 to 11362.9 holds 11357,
    11361.5, 11362.1 and 11362.785; not 11350, 11357.5 is in (it lies between 11357 and 11358)."""

    from_: Annotated[str, Field(alias="from", pattern=SECTION_NUMBER_RE)]
    to: Annotated[str, Field(pattern=SECTION_NUMBER_RE)]

    @model_validator(mode="after")
    def _ordered(self) -> "SectionRange":
        if section_number(self.from_) > section_number(self.to):
            raise ValueError(f"sections: from {self.from_} is after to {self.to}")
        return self


class CodeInference(Strict):
    """One entry: a text with a section in `sections` and no code abbreviation, whose description
    has one of `keywords` (at the start of a word, as a prefix: MARIJ matches MARIJUANA; HASH never
    matches inside WHASH), is read as code `code` (e.g. HS). Keywords are tried in order; the
    first that matches is recorded as the one that settled it."""

    id: Annotated[str, Field(pattern=ID_RE)]
    code: Annotated[str, Field(pattern=r"^[A-Z]{2,3}$")]
    sections: SectionRange
    keywords: list[Annotated[str, Field(pattern=KEYWORD_RE, min_length=3)]] = Field(min_length=1)
    cite: list[str] = Field(min_length=1)
    note: str | None = None
    verify: str | None = None

    @field_validator("keywords")
    @classmethod
    def _unique_keywords(cls, v: list[str]) -> list[str]:
        dupes = sorted({k for k in v if v.count(k) > 1})
        if dupes:
            raise ValueError(f"keywords listed twice: {', '.join(dupes)}")
        return v


class CodeInferenceFile(Strict):
    """A curated table: when a charge text names a section but no code, the code it can only be.
    Never a guess: an entry settles a text only by its section range AND a keyword of its
    description; anything else keeps the code unknown (needs_review)."""

    schema_: Literal["clearance-code-inference/v1"] = Field(alias="schema")
    jurisdiction: Annotated[str, Field(pattern=r"^[A-Z]{2}-[A-Z]{2}$")]
    title: str
    version: date  # the date of the table's text (as a rule file's law_version)
    citations: list[Citation] = Field(min_length=1)
    inferences: list[CodeInference] = Field(min_length=1)

    @model_validator(mode="after")
    def _references(self) -> "CodeInferenceFile":
        cites = {c.id for c in self.citations}
        if len(cites) != len(self.citations):
            raise ValueError("citation ids must be unique")
        ids = [i.id for i in self.inferences]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"inference ids must be unique: {', '.join(dupes)}")
        for i in self.inferences:
            missing = [c for c in i.cite if c not in cites]
            if missing:
                raise ValueError(f"inference {i.id}: unknown citation(s) {', '.join(missing)}")
        return self
