"""Find, read and validate rule files; errors name the file and the field, never a traceback."""

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from orchestration.lib.yaml_files import load_yaml, read_mapping
from orchestration.rules.schema import CODE_INFERENCE_SCHEMA, CodeInferenceFile, RuleFile

M = TypeVar("M", bound=BaseModel)


class RuleFileError(ValueError):
    """A rule or options file is invalid. The message names the file and the field."""


@dataclass(frozen=True)
class LoadedRules:
    path: Path
    rules: RuleFile
    sha256: str  # of the file's bytes: the rules_version changes whenever the text does

    @property
    def rules_version(self) -> str:
        return f"{self.rules.program}@{self.rules.law_version.isoformat()}+{self.sha256[:12]}"


def format_validation_error(source: str, err: ValidationError) -> str:
    lines = [f"{source}: {err.error_count()} problem(s)"]
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"] if not str(p).startswith("function-after"))
        msg = e["msg"].removeprefix("Value error, ")
        lines.append(f"  - {loc or '(file)'}: {msg}")
    return "\n".join(lines)


@dataclass(frozen=True)
class LoadedCodeInference:
    """A code inference table (`rules/<jurisdiction>/code_inference.yaml`) and its hash."""

    path: Path
    table: CodeInferenceFile
    sha256: str

    @property
    def name(self) -> str:
        """As rule files are recorded: <jurisdiction folder>/<file>."""
        return f"{self.path.parent.name}/{self.path.name}"

    @property
    def version(self) -> str:
        return f"code_inference@{self.table.version.isoformat()}+{self.sha256[:12]}"


def _read_yaml(path: Path) -> tuple[bytes, dict]:
    return read_mapping(path, RuleFileError)


def _yaml_files(rules_dir: Path) -> list[Path]:
    # rules/<jurisdiction>/<law>.yaml; cases/ and _schema/ folders hold other things
    return sorted(
        p
        for p in rules_dir.rglob("*.yaml")
        if not p.name.startswith("_") and "cases" not in p.relative_to(rules_dir).parts
    )


def is_code_inference_file(path: Path) -> bool:
    """A code inference table says so in its `schema` key; every other YAML is a rule file."""
    try:
        data = load_yaml(path.read_bytes())
    except yaml.YAMLError:
        return False  # load_rule_file reports it
    return isinstance(data, dict) and data.get("schema") == CODE_INFERENCE_SCHEMA


def _validated(path: Path, model: type[M]) -> tuple[M, str]:
    """The file read as `model` (a RuleFileError naming each field otherwise), and its SHA-256."""
    raw, data = _read_yaml(path)
    try:
        return model.model_validate(data), hashlib.sha256(raw).hexdigest()
    except ValidationError as e:
        raise RuleFileError(format_validation_error(str(path), e)) from None


def load_code_inference_file(path: Path) -> LoadedCodeInference:
    table, sha256 = _validated(path, CodeInferenceFile)
    return LoadedCodeInference(path=path, table=table, sha256=sha256)


def load_code_inference(rules_dir: Path) -> list[LoadedCodeInference]:
    """Every code inference table under rules_dir (none is fine: no code is ever inferred)."""
    return [
        load_code_inference_file(p) for p in _yaml_files(rules_dir) if is_code_inference_file(p)
    ]


def load_rule_file(path: Path) -> LoadedRules:
    rules, sha256 = _validated(path, RuleFile)
    return LoadedRules(path=path, rules=rules, sha256=sha256)


def load_rules_dir(rules_dir: Path) -> list[LoadedRules]:
    """Every `*.yaml` under rules_dir (one file per law), sorted by program id; code inference
    tables (schema clearance-code-inference/v1) are read by load_code_inference instead."""
    files = [p for p in _yaml_files(rules_dir) if not is_code_inference_file(p)]
    if not files:
        raise RuleFileError(f"{rules_dir}: no rule files (*.yaml) found")
    loaded = [load_rule_file(p) for p in files]
    programs = [lr.rules.program for lr in loaded]
    dupes = sorted({p for p in programs if programs.count(p) > 1})
    if dupes:
        raise RuleFileError(f"{rules_dir}: program id(s) defined twice: {', '.join(dupes)}")
    return sorted(loaded, key=lambda lr: lr.rules.program)
