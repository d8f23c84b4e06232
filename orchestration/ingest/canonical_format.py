"""The canonical extract format (docs/canonical-format.md): tables, columns, vocabularies."""

from dataclasses import dataclass

from orchestration.lib.vocabularies import (
    CASE_STATUSES,
    DISPOSITIONS,
    GRADES,
    OFFENSE_LEVELS,
    REGISTRATION_TYPES,
    SENTENCE_TYPES,
    SENTENCE_UNITS,
    SUPERVISION_TYPES,
)


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    optional_file: bool = True


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "persons",
            ("person_id", "state", "name", "dob", "deceased_date", "gender", "race"),
            ("person_id", "state"),
            optional_file=False,
        ),
        Table(
            "arrests",
            ("arrest_id", "person_id", "arrest_date", "agency", "county", "episode_id"),
            ("arrest_id", "person_id"),
        ),
        Table(
            "cases",
            (
                "case_id",
                "person_id",
                "arrest_id",
                "court",
                "county",
                "filing_date",
                "case_status",
                "restitution_balance",
            ),
            ("case_id", "person_id"),
        ),
        Table(
            "charges",
            (
                "charge_id",
                "person_id",
                "arrest_id",
                "case_id",
                "statute",
                "description",
                "level",
                "grade",
                "max_penalty_years",
                "offense_date",
                "is_dv",
                "is_traffic",
            ),
            ("charge_id", "person_id", "statute"),
            optional_file=False,
        ),
        Table(
            "dispositions",
            ("charge_id", "disposition_date", "disposition"),
            ("charge_id", "disposition"),
        ),
        Table(
            "sentences",
            ("charge_id", "sentence_type", "length", "unit", "start_date", "end_date", "revoked"),
            ("charge_id",),
        ),
        Table(
            "registrations",
            ("person_id", "registration_type", "start_date", "end_date"),
            ("person_id", "registration_type"),
        ),
        Table(
            "supervision",
            ("person_id", "supervision_type", "agency", "start_date", "end_date"),
            ("person_id",),
        ),
    )
}

# The format's vocabularies, by the column that takes them (written once, in
# orchestration/lib/vocabularies.py; docs/canonical-format.md lists them, and
# tests/unit/test_vocabularies.py keeps the two in step). Codes are case-insensitive.
VOCABULARIES: dict[tuple[str, str], tuple[str, ...]] = {
    ("cases", "case_status"): CASE_STATUSES,
    ("charges", "level"): OFFENSE_LEVELS,
    ("charges", "grade"): GRADES,
    ("dispositions", "disposition"): DISPOSITIONS,
    ("sentences", "sentence_type"): SENTENCE_TYPES,
    ("sentences", "unit"): SENTENCE_UNITS,
    ("registrations", "registration_type"): REGISTRATION_TYPES,
    ("supervision", "supervision_type"): SUPERVISION_TYPES,
}
LEVELS = OFFENSE_LEVELS  # this module's name for them
STATES = ("CA", "UT", "PA", "MI")
