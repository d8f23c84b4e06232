"""The vocabularies: every closed set of values a column or a rule field may take, once.

Each is a `Literal` type (what the pydantic models use: the rule-file schema, the condition
types, the law case files) and the tuple of its values in their documented order (what code and
tests iterate). Nothing else writes these values by hand without being tested against this
module (tests/unit/test_vocabularies.py): the dbt `accepted_values` tests of the models' YAML,
the Great Expectations suites in expectations/, the committed rules JSON schema, the vocabulary
lists of docs/canonical-format.md and rules/README.md, the dbt SQL that lists a vocabulary, and
the exports' own orderings and labels. A value added here fails that test until every copy
agrees (or the test says why a column takes only part of a vocabulary).

Shared code: imports only the standard library (make lint's import contracts).
"""

from typing import Literal, get_args

# --- Decisions ---------------------------------------------------------------------------------

# A decision's determination (fct_decisions.determination): not_yet_eligible = only time stands
# in the way (with eligible_on); needs_review = a fact is missing (missing_facts).
Determination = Literal["eligible", "not_eligible", "not_yet_eligible", "needs_review"]
DETERMINATIONS: tuple[Determination, ...] = get_args(Determination)

# What a rule may decide: a determination but not_yet_eligible, which only an `eligible` rule
# held up by time conditions alone gives (and always with its date).
RuleOutcome = Literal["eligible", "not_eligible", "needs_review"]
RULE_OUTCOMES: tuple[RuleOutcome, ...] = get_args(RuleOutcome)

# The relief an eligible (or not yet eligible) decision grants (a rule's `relief`,
# fct_decisions.relief).
Relief = Literal[
    "dismiss",
    "reduce",
    "recall_resentence",
    "conviction_relief",
    "arrest_relief",
    "expunge",
    "limited_access",
    "set_aside",
]
RELIEFS: tuple[Relief, ...] = get_args(Relief)

# --- Charges (the canonical format, docs/canonical-format.md, and the warehouse's charges) ----

# A charge's final disposition (canonical dispositions.disposition, int_charges_assembled).
Disposition = Literal[
    "convicted",
    "dismissed",
    "dismissed_with_prejudice",
    "dismissed_without_prejudice",
    "withdrawn",
    "nolle_prossed",
    "acquitted",
    "ngri",
    "plea_in_abeyance",
    "plea_in_abeyance_completed",
    "diversion_completed",
    "prosecutor_rejected",
    "pardoned",
    "pending",
    "unknown",
]
DISPOSITIONS: tuple[Disposition, ...] = get_args(Disposition)

# An offense's level (canonical charges.level; the warehouse's offense_level; rules' level_in).
OffenseLevel = Literal["felony", "misdemeanor", "infraction", "summary"]
OFFENSE_LEVELS: tuple[OffenseLevel, ...] = get_args(OffenseLevel)

# An offense's grade or class where the state grades offenses: Utah A, B, C, IN; Pennsylvania
# F1, F2, F3, F, M1, M2, M3, M, S (canonical charges.grade; rules' grade_in).
Grade = Literal["A", "B", "C", "IN", "F1", "F2", "F3", "F", "M1", "M2", "M3", "M", "S"]
GRADES: tuple[Grade, ...] = get_args(Grade)

# A part of a charge's sentence (canonical sentences.sentence_type).
SentenceType = Literal[
    "prison", "jail", "probation", "fine", "parole", "mandatory_supervision", "prcs"
]
SENTENCE_TYPES: tuple[SentenceType, ...] = get_args(SentenceType)

# The unit of a sentence part's length: days, months, years (canonical sentences.unit).
SentenceUnit = Literal["D", "M", "Y"]
SENTENCE_UNITS: tuple[SentenceUnit, ...] = get_args(SentenceUnit)

# A period of supervision (canonical supervision.supervision_type).
SupervisionType = Literal["probation", "parole", "prcs", "mandatory_supervision"]
SUPERVISION_TYPES: tuple[SupervisionType, ...] = get_args(SupervisionType)

# A registration period (canonical registrations.registration_type; CA DOJ's registration
# events are sex_offender).
RegistrationType = Literal["sex_offender", "narcotics"]
REGISTRATION_TYPES: tuple[RegistrationType, ...] = get_args(RegistrationType)

# A court case's status (canonical cases.case_status): an open case's charge without a
# disposition is pending.
CaseStatus = Literal["open", "closed"]
CASE_STATUSES: tuple[CaseStatus, ...] = get_args(CaseStatus)

# --- The warehouse's own columns ----------------------------------------------------------------

# How much of a source date is known (the *_precision columns): a partial date is kept as a
# range; missing = blank, invalid = not a date.
DatePrecision = Literal["day", "month", "year", "missing", "invalid"]
DATE_PRECISIONS: tuple[DatePrecision, ...] = get_args(DatePrecision)

# What the charge-text normalizers made of a text (parse_status): parsed (a statute), no_code (a
# section but no code), unparsed (no section), missing (no text at all).
ParseStatus = Literal["parsed", "no_code", "unparsed", "missing"]
PARSE_STATUSES: tuple[ParseStatus, ...] = get_args(ParseStatus)

# The analysts' age on the as-of date, banded (fct_decisions_pseudonymized.age_band).
AgeBand = Literal["under 21", "21-29", "30-39", "40-49", "50-59", "60+", "unknown"]
AGE_BANDS: tuple[AgeBand, ...] = get_args(AgeBand)

# The prosecutor's mark on a decision in the review workbook (audit.review_outcomes.review_mark;
# orchestration/review/store.py gives each its wording in the workbook).
ReviewMark = Literal["agree", "disagree", "needs_more_information"]
REVIEW_MARKS: tuple[ReviewMark, ...] = get_args(ReviewMark)

# Every vocabulary by name (what the vocabulary test maps each copy to).
VOCABULARIES: dict[str, tuple[str, ...]] = {
    "DETERMINATIONS": DETERMINATIONS,
    "RULE_OUTCOMES": RULE_OUTCOMES,
    "RELIEFS": RELIEFS,
    "DISPOSITIONS": DISPOSITIONS,
    "OFFENSE_LEVELS": OFFENSE_LEVELS,
    "GRADES": GRADES,
    "SENTENCE_TYPES": SENTENCE_TYPES,
    "SENTENCE_UNITS": SENTENCE_UNITS,
    "SUPERVISION_TYPES": SUPERVISION_TYPES,
    "REGISTRATION_TYPES": REGISTRATION_TYPES,
    "CASE_STATUSES": CASE_STATUSES,
    "DATE_PRECISIONS": DATE_PRECISIONS,
    "PARSE_STATUSES": PARSE_STATUSES,
    "AGE_BANDS": AGE_BANDS,
    "REVIEW_MARKS": REVIEW_MARKS,
}
