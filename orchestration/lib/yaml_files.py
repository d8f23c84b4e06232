"""One YAML file read as a mapping, for the project's declarative files (rule files, the
presentation profiles): the raw bytes (their hash is recorded) and the parsed mapping, or the
caller's error naming the file."""

from __future__ import annotations

from pathlib import Path

import yaml


def read_mapping(path: Path, error: type[Exception]) -> tuple[bytes, dict]:
    raw = path.read_bytes()
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as e:
        raise error(f"{path}: not valid YAML: {e}") from None
    if not isinstance(data, dict):
        raise error(f"{path}: expected a mapping at the top level")
    return raw, data
