"""What every command shares: the one-line error and exit, notes on stderr, the warehouse."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import typer

from orchestration.launch import Refused
from orchestration.lib.settings import warehouse_path


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=code)


def note(line: str) -> None:
    """A line for the user on stderr (warnings, notes, waiting for the lock)."""
    typer.echo(line, err=True)


@contextmanager
def refusals() -> Iterator[None]:
    """A launcher's `Refused` as the command's error line and exit code."""
    try:
        yield
    except Refused as e:
        fail(e.message, e.code)


def existing_warehouse(warehouse: Path | None) -> Path:
    wh = (warehouse or warehouse_path()).resolve()
    if not wh.exists():
        fail(f"no warehouse at {wh}: run `cleanslate run` first (or pass --warehouse)")
    return wh
