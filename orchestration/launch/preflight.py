"""Bad input caught before Dagster starts, with one clear line each (raised as `Refused`)."""

from datetime import date
from pathlib import Path

from orchestration.launch import Notify, Refused
from orchestration.lib.settings import rules_dir


def check_run(
    as_of: str, options: Path | None, extracts: list[Path], notify: Notify, forecast: bool = False
) -> None:
    """The settings, the as-of date, the extracts, the rule files and the options file."""
    from orchestration.lib.settings import run_settings_problem

    problem = run_settings_problem()  # a variable of the wrong type, no pseudonym key
    if problem:
        raise Refused(problem)
    from orchestration.rules.load import RuleFileError, load_code_inference, load_rules_dir
    from orchestration.rules.options import check_options, read_options_file, resolve_parameters

    try:
        date.fromisoformat(as_of)
    except ValueError:
        raise Refused(f"--as-of must be a date YYYY-MM-DD, got {as_of!r}") from None
    for p in extracts:
        if not p.exists():
            raise Refused(f"extract not found: {p}")
        if p.is_dir() and not any((p / f"persons{s}").exists() for s in (".csv", ".parquet")):
            raise Refused(
                f"{p}: a folder must be a canonical extract (persons.csv or persons.parquet)"
            )
    try:
        programs = load_rules_dir(rules_dir())
        load_code_inference(rules_dir())  # a broken table stops the run here, as a rule file does
        check_as_of(programs, as_of, forecast, notify)
        if options is not None:
            opts = read_options_file(options)
            for warning in check_options(programs, opts):
                notify(f"warning: {warning}")
            for loaded in programs:
                for warning in resolve_parameters(loaded, opts).warnings:
                    notify(f"warning: {warning}")
    except RuleFileError as e:
        raise Refused(str(e)) from None


def check_supervision(files: list[Path], complete: bool) -> None:
    """--supervision files exist and are files; --supervision-complete needs one."""
    for p in files:
        if not p.is_file():
            raise Refused(f"supervision file not found: {p}")
        if p.suffix.lower() not in (".csv", ".parquet"):
            raise Refused(
                f"{p}: a supervision file is a .csv or .parquet (canonical supervision table)"
            )
    names = [p.name for p in files]
    if len(set(names)) != len(names):
        raise Refused("two --supervision files share a file name: rename one")
    if complete and not files:
        raise Refused("--supervision-complete says the --supervision files are complete: give one")


def check_as_of(programs: list, as_of: str, forecast: bool, notify: Notify) -> None:
    """The as-of date against today and the laws' effective dates (orchestration/rules/as_of.py;
    the rulebook asset makes the same check for UI runs): a date after today needs --forecast,
    a date no law is in effect on is refused; laws not in effect get one note line."""
    from orchestration.rules.as_of import AsOfError, check_as_of

    try:
        notes = check_as_of(programs, date.fromisoformat(as_of), forecast)
    except AsOfError as e:
        raise Refused(str(e)) from None
    for note in notes:
        notify(f"note: {note}")


def check_out(out_dir: Path, warehouse_file: Path, inputs: list[Path]) -> None:
    """--out is replaced by the run's set: refuse, before anything is written, a folder holding
    files this project did not publish, the checkout, the warehouse, DAGSTER_HOME or an input
    (orchestration/exports/publish.py: check_out_dir)."""
    from orchestration.exports.publish import check_out_dir

    refused = check_out_dir(out_dir, warehouse_file, inputs)
    if refused:
        raise Refused(f"--out {refused}")


def recorded_forecast(as_of: date) -> bool:
    """A recorded run as of a date after today can only have been a forecast (a run without
    --forecast refuses such a date), so `reproduce` repeats it as one."""
    from orchestration.rules.as_of import is_future

    return is_future(as_of)
