"""The condition catalog: one home per condition type, found by looking, never listed.

A condition of a rule file's `scope` or `when` (`{type: waiting_period, since: ..., wait: P6Y}`)
has one type, and each type is two files side by side in this folder:

* `<type>.py`: its parameters, a pydantic class whose `type` field is `Literal["<type>"]` (the
  rule-file schema, orchestration/rules/schema.py, builds its `Condition` union from these
  classes); `describe(row) -> str`, the line an auditor reads next to the condition, from its
  row of rules.conditions; `IS_TIME_CONDITION` (waiting can make it true: it gives a
  not_yet_eligible its eligible_on); `COLUMNS`, the columns of rules.conditions its parameters
  are written to (name -> polars type; compile.py writes the table with the union of every
  type's columns); `EXAMPLE`, a valid condition of the type, as a rule file would give it
  (the unit tests compile and describe it); and, for a type with no SQL of its own,
  `COMPILES_TO`, the type it is written as (`section_in` becomes a `statute_in_set`).
* `<type>.sql`: `{% macro condition__<type>() %}`, the CTE(s) that evaluate it for every
  candidate charge; the last is `cond_<type>`: the frame's columns (`cc.*`) plus `raw_value`
  (true / false / NULL for unknown), `ready_on` (a time condition's date), `fact` and `missing`.
  dbt loads this folder as a macro path (dbt_project/dbt_project.yml); the frame,
  `evaluate_conditions` in dbt_project/macros/evaluate_conditions.sql, finds every
  `condition__*` macro and unites the ones the rules use. SQL the types share is in
  `_shared.sql`.

Files whose name starts with `_` are not types (`_common.py`: what the parameter classes and
describe() functions share). tests/unit/test_condition_catalog.py keeps the two halves in step
(every type has both files, and dbt's parsed manifest has the macro).
"""

import importlib
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from pydantic import BaseModel

FOLDER = Path(__file__).parent
MACRO_PREFIX = "condition__"


@dataclass(frozen=True)
class ConditionType:
    """One condition type, as its module declares it."""

    name: str
    model: type[BaseModel]
    describe: Callable[[dict[str, Any]], str]
    is_time_condition: bool
    columns: Mapping[str, Any]
    example: Mapping[str, Any]
    compiles_to: str | None
    module: ModuleType

    @property
    def evaluated_as(self) -> str:
        """The type its conditions have in rules.conditions (and the SQL evaluates)."""
        return self.compiles_to or self.name

    @property
    def evaluator(self) -> str:
        """The dbt macro that evaluates it: condition__<type>."""
        return MACRO_PREFIX + self.evaluated_as

    @property
    def description(self) -> str:
        """What the type means: its parameter class's own docstring, else the summary of its
        module's docstring."""
        doc = self.model.__dict__.get("__doc__")
        if doc:
            return inspect.cleandoc(doc)
        summary = inspect.cleandoc(self.module.__doc__ or self.name).split("\n\n")[0]
        summary = summary.removeprefix(f"Condition type `{self.name}`: ")
        return " ".join((summary[:1].upper() + summary[1:]).split())


class CatalogError(TypeError):
    """A file of this folder is not a well-formed condition type."""


def _type_of(model: type[BaseModel]) -> str | None:
    field = model.model_fields.get("type")
    args = getattr(field.annotation, "__args__", ()) if field is not None else ()
    return args[0] if len(args) == 1 and isinstance(args[0], str) else None


def _load(name: str) -> ConditionType:
    module = importlib.import_module(f"{__name__}.{name}")
    where = f"orchestration/rules/conditions/{name}.py"
    models = [
        v
        for v in vars(module).values()
        if isinstance(v, type)
        and issubclass(v, BaseModel)
        and v.__module__ == module.__name__
        and _type_of(v) is not None
    ]
    if len(models) != 1 or _type_of(models[0]) != name:
        raise CatalogError(
            f'{where}: define one pydantic class with `type: Literal["{name}"]` '
            f"(found {[m.__name__ for m in models]})"
        )
    missing = [
        attr
        for attr in ("describe", "IS_TIME_CONDITION", "COLUMNS", "EXAMPLE")
        if not hasattr(module, attr)
    ]
    if missing:
        raise CatalogError(f"{where}: define {', '.join(missing)}")
    if not isinstance(module.IS_TIME_CONDITION, bool) or not callable(module.describe):
        raise CatalogError(f"{where}: IS_TIME_CONDITION is a bool, describe(row) a function")
    return ConditionType(
        name=name,
        model=models[0],
        describe=module.describe,
        is_time_condition=module.IS_TIME_CONDITION,
        columns=dict(module.COLUMNS),
        example=dict(module.EXAMPLE),
        compiles_to=getattr(module, "COMPILES_TO", None),
        module=module,
    )


def _discover() -> dict[str, ConditionType]:
    names = sorted(p.stem for p in FOLDER.glob("*.py") if not p.stem.startswith("_"))
    types = {name: _load(name) for name in names}
    for t in types.values():
        if t.compiles_to is not None and t.compiles_to not in types:
            raise CatalogError(f"{t.name}: COMPILES_TO names no condition type: {t.compiles_to}")
    return types


def _merged_columns(types: Mapping[str, ConditionType]) -> dict[str, Any]:
    """Every type's columns, in type order; two types that share a column agree on its type."""
    merged: dict[str, Any] = {}
    owner: dict[str, str] = {}
    for t in types.values():
        for column, dtype in t.columns.items():
            if column in merged and merged[column] != dtype:
                raise CatalogError(
                    f"column {column}: {owner[column]} makes it {merged[column]}, {t.name} {dtype}"
                )
            merged.setdefault(column, dtype)
            owner.setdefault(column, t.name)
    return merged


TYPES: dict[str, ConditionType] = _discover()
# every type a rule file may use (section_in included)
CONDITION_TYPES: tuple[str, ...] = tuple(TYPES)
# the types the SQL evaluates (what rules.conditions holds): one condition__<type> macro each
EVALUATED_TYPES: tuple[str, ...] = tuple(t.name for t in TYPES.values() if t.compiles_to is None)
# Conditions that can become true by waiting: they give a not_yet_eligible its eligible_on.
TIME_CONDITIONS: tuple[str, ...] = tuple(t.name for t in TYPES.values() if t.is_time_condition)
MODELS: dict[str, type[BaseModel]] = {t.name: t.model for t in TYPES.values()}
# the argument columns of rules.conditions (after compile.py's own columns)
COLUMNS: dict[str, Any] = _merged_columns(TYPES)
MODULES: tuple[ModuleType, ...] = (
    importlib.import_module(f"{__name__}._common"),
    *(t.module for t in TYPES.values()),
)


def describe(kind: str, row: dict[str, Any]) -> str:
    """One line an auditor can read, stored next to each condition (the type's name for a type
    the catalog does not have)."""
    t = TYPES.get(kind)
    return t.describe(row) if t is not None else kind
