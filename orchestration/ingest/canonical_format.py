"""The canonical extract format (docs/canonical-format.md): tables, columns, vocabularies."""

from dataclasses import dataclass


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

LEVELS = ("felony", "misdemeanor", "infraction", "summary")
GRADES = ("A", "B", "C", "IN", "F1", "F2", "F3", "F", "M1", "M2", "M3", "M", "S")
DISPOSITIONS = (
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
)
SENTENCE_TYPES = ("prison", "jail", "probation", "fine", "parole", "mandatory_supervision", "prcs")
SUPERVISION_TYPES = ("probation", "parole", "prcs", "mandatory_supervision")
REGISTRATION_TYPES = ("sex_offender", "narcotics")
STATES = ("CA", "UT", "PA", "MI")
