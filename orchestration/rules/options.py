"""County policy: the earlier Prop 64 tool's eligibility-options JSON, mapped onto rule parameters.

The file counties already have looks like
    {"baselineEligibility": {"dismiss": ["11357"], "reduce": ["11359"]},
     "additionalRelief": {"subjectUnder21AtConviction": true, "subjectAgeThreshold": 57, ...}}
Each rule-file parameter with an `options_key` (e.g. `additionalRelief.subjectAgeThreshold`)
reads that key, with the same value ranges and meanings (0 / false = off). Knobs the earlier tool
did not have go under `"parameters": {"<program>": {"<name>": value}}` or, for one program,
`"parameters": {"<name>": value}`. A key left out keeps the rule file's default. A key that no
program reads, at any level, is an error (with the nearest known key): a misspelt key would
otherwise leave the county's policy silently unapplied.
"""

import difflib
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestration.rules.load import LoadedRules, RuleFileError

KNOWN_SECTIONS = ("baselineEligibility", "additionalRelief", "parameters")


@dataclass(frozen=True)
class ResolvedParameters:
    values: dict[str, Any]
    sources: dict[str, str]  # name -> "default" | "options"
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CountyOptions:
    path: Path | None
    data: dict[str, Any]
    sha256: str | None

    @classmethod
    def empty(cls) -> "CountyOptions":
        return cls(path=None, data={}, sha256=None)


def read_options_file(path: Path) -> CountyOptions:
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise RuleFileError(f"{path}: cannot read options file: {e.strerror}") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise RuleFileError(f"{path}: options file is not UTF-8 text") from None
    except json.JSONDecodeError as e:
        raise RuleFileError(
            f"{path}: malformed JSON at line {e.lineno}, column {e.colno}: {e.msg}"
        ) from None
    if not isinstance(data, dict):
        raise RuleFileError(f"{path}: expected a JSON object at the top level")
    for section in KNOWN_SECTIONS:
        if section in data and not isinstance(data[section], dict):
            raise RuleFileError(f"{path}: {section} must be a JSON object")
    return CountyOptions(path=path, data=data, sha256=hashlib.sha256(raw).hexdigest())


def did_you_mean(key: str, known: Iterable[str]) -> str:
    """' (did you mean "x"?)' when `key` is a near miss of one of `known` (difflib; letter case
    and underscores aside), else ''."""
    folded = {_fold(k): k for k in sorted(known)}
    close = difflib.get_close_matches(_fold(key), list(folded), n=1)
    return f' (did you mean "{folded[close[0]]}"?)' if close else ""


def _fold(key: str) -> str:
    return key.lower().replace("_", "").replace(" ", "")


def _unknown(src: str, path: str, key: str, known: Iterable[str], where: str) -> RuleFileError:
    known = sorted(known)
    return RuleFileError(
        f"{src}: unknown field {path}{did_you_mean(key, known)}; {where} accepts: "
        f"{', '.join(known) or '(nothing)'}"
    )


def check_options(programs: list[LoadedRules], options: CountyOptions) -> list[str]:
    """Every field of the options file must mean something to some program.

    An unknown field at any level (top level, inside baselineEligibility / additionalRelief,
    parameters, parameters.<program>) is an error naming the file and the field, with the
    nearest known field: a misspelt key would otherwise leave the county's policy silently
    unapplied. Returns warnings (none today; kept for callers).
    """
    src = str(options.path) if options.path else "options"
    for key in options.data:
        if key not in KNOWN_SECTIONS:
            raise _unknown(src, key, key, KNOWN_SECTIONS, "the top level")
    for section in ("baselineEligibility", "additionalRelief"):
        known = {
            p.options_key.split(".", 1)[1]
            for lr in programs
            for p in lr.rules.parameters.values()
            if p.options_key and p.options_key.startswith(section + ".")
        }
        for key in options.data.get(section, {}):
            if key not in known:
                raise _unknown(src, f"{section}.{key}", key, known, section)
    by_program = {lr.rules.program: lr for lr in programs}
    every_parameter = {n for lr in programs for n in lr.rules.parameters}
    extra = options.data.get("parameters", {})
    for key, value in extra.items():
        if key in by_program:
            if not isinstance(value, dict):
                raise RuleFileError(f"{src}: parameters.{key} must be a JSON object")
            declared = by_program[key].rules.parameters
            for name in value:
                if name not in declared:
                    raise _unknown(
                        src, f"parameters.{key}.{name}", name, declared, f"parameters.{key}"
                    )
        elif key in every_parameter and isinstance(value, dict):
            raise RuleFileError(
                f"{src}: parameters.{key} is a parameter, not a program: expected its value, "
                "got a JSON object"
            )
        elif key not in every_parameter:
            raise _unknown(
                src,
                f"parameters.{key}",
                key,
                every_parameter | set(by_program),
                "parameters (a program id or a parameter name)",
            )
    return []


def resolve_parameters(loaded: LoadedRules, options: CountyOptions) -> ResolvedParameters:
    """Defaults from the rule file, overridden by the options file; every value validated.

    Only the fields this program declares are read here; check_options() rejects fields that
    no program declares.
    """
    rf = loaded.rules
    src = str(options.path) if options.path else "options"
    values = {name: p.default for name, p in rf.parameters.items()}
    sources = dict.fromkeys(rf.parameters, "default")
    warnings: list[str] = []

    by_key = {p.options_key: name for name, p in rf.parameters.items() if p.options_key}
    for section in ("baselineEligibility", "additionalRelief"):
        for key, value in options.data.get(section, {}).items():
            path = f"{section}.{key}"
            if path in by_key:
                name = by_key[path]
                values[name] = _checked(src, path, rf.parameters[name], value)
                sources[name] = "options"

    extra = dict(options.data.get("parameters", {}))
    scoped = extra.pop(rf.program, None)
    flat = {k: v for k, v in extra.items() if not isinstance(v, dict)}
    for prefix, group in (("parameters", flat), (f"parameters.{rf.program}", scoped or {})):
        for key, value in group.items():
            if key in rf.parameters:
                values[key] = _checked(src, f"{prefix}.{key}", rf.parameters[key], value)
                sources[key] = "options"

    both = set(values.get("dismiss_sections", [])) & set(values.get("reduce_sections", []))
    if both:
        warnings.append(
            f"{src}: section(s) {', '.join(sorted(both))} are in both dismiss and reduce; "
            "dismiss comes first in the rule order and wins"
        )
    return ResolvedParameters(values=values, sources=sources, warnings=warnings)


def _checked(src: str, path: str, param: Any, value: Any) -> Any:
    try:
        return param.check(path, value)
    except ValueError as e:
        raise RuleFileError(f"{src}: {e}") from None
