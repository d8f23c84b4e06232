"""One YAML file read as a mapping, for the project's declarative files (rule files, the
presentation profiles): the raw bytes (their hash is recorded) and the parsed mapping, or the
caller's error naming the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

# libyaml's safe loader (PyYAML's C binding, in its wheels): the same documents as
# yaml.safe_load (tests/unit/test_yaml_files.py compares every project file) at ~8x the speed;
# a run reads the rule files several times.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str | bytes) -> Any:
    """yaml.safe_load, through libyaml where PyYAML has it."""
    return yaml.load(text, Loader=_LOADER)  # a safe loader: no Python objects


def read_mapping(path: Path, error: type[Exception]) -> tuple[bytes, dict]:
    raw = path.read_bytes()
    try:
        data = load_yaml(raw)
    except yaml.YAMLError as e:
        raise error(f"{path}: not valid YAML: {e}") from None
    if not isinstance(data, dict):
        raise error(f"{path}: expected a mapping at the top level")
    return raw, data
