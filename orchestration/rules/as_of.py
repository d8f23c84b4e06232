"""The as-of date of a run, checked against today and the laws' effective dates.

A run decides eligibility as of an explicit date. Two dates are refused before anything runs:

- a date after today, unless the run is an explicit forecast (`cleanslate run --forecast`, or
  `forecast: true` in the rulebook's run config): a forecast's decisions are projections, so it
  writes no court documents (a court cannot act on a future date);
- a date on which no law of the rulebook is in effect (every `in_force` rule file's
  `effective: {from, to}` excludes it): the run would decide nothing and publish an empty set.

When only some laws are not in effect on the date, the run goes on and a note names them.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from orchestration.rules.load import LoadedRules

FORECAST_HINT = (
    "pass --forecast (run config: rulebook forecast: true) to run a forecast, which writes no "
    "court documents"
)


class AsOfError(ValueError):
    """The as-of date cannot be used for this run (message says why and what to do)."""


@dataclass(frozen=True)
class LawDates:
    program: str
    effective_from: date
    effective_to: date | None

    def covers(self, as_of: date) -> bool:
        return self.effective_from <= as_of and (
            self.effective_to is None or as_of < self.effective_to
        )

    def describe(self) -> str:
        until = f" until {self.effective_to}" if self.effective_to else ""
        return f"{self.program} (in effect from {self.effective_from}{until})"


def enabled_laws(programs: list[LoadedRules]) -> list[LawDates]:
    """The laws a run applies (status in_force), with their effective dates."""
    return [
        LawDates(lr.rules.program, lr.rules.effective.from_, lr.rules.effective.to)
        for lr in programs
        if lr.rules.status == "in_force"
    ]


def latest_today() -> date:
    """Today's date where it is latest (UTC+14). A date that is already today somewhere is not
    the future: the service dates its runs in its own time zone, which may be ahead of the
    machine's."""
    return (datetime.now(UTC) + timedelta(hours=14)).date()


def is_future(as_of: date, today: date | None = None) -> bool:
    """After today (default: latest_today()): only a forecast may use it."""
    return as_of > (today or latest_today())


def check_as_of(
    programs: list[LoadedRules], as_of: date, forecast: bool, today: date | None = None
) -> list[str]:
    """Raise AsOfError for a date the run must not use; return notes (laws not in effect).

    today: the date to compare with (default: latest_today(); messages show the machine's).
    """
    shown = today or date.today()
    future = is_future(as_of, today)
    if future and not forecast:
        raise AsOfError(
            f"as-of date {as_of} is after today ({shown}): decisions as of a future date are a "
            f"forecast; {FORECAST_HINT}"
        )
    if forecast and not future:
        raise AsOfError(
            f"a forecast needs an as-of date after today ({shown}); {as_of} is not: leave out "
            "--forecast (run config: forecast) for a run as of a past date"
        )
    laws = enabled_laws(programs)
    if not laws:
        raise AsOfError("no rule file has status in_force: the run would decide nothing")
    off = [law for law in laws if not law.covers(as_of)]
    if len(off) == len(laws):
        raise AsOfError(
            f"no law is in effect on the as-of date {as_of}: "
            + "; ".join(law.describe() for law in off)
            + ". The run would decide nothing and publish an empty set (the earliest law takes"
            f" effect on {min(law.effective_from for law in laws)})"
        )
    if not off:
        return []
    return [
        f"not in effect on {as_of}, so no decisions under: "
        + "; ".join(law.describe() for law in off)
    ]
