"""The project's YAML reader (orchestration/lib/yaml_files.py: libyaml's safe loader) reads
every YAML file of the project as yaml.safe_load does, and refuses what it refuses."""

from datetime import date

import pytest
import yaml

from orchestration.lib.settings import PROJECT_ROOT
from orchestration.lib.yaml_files import load_yaml, read_mapping

FOLDERS = ("rules", "presentation", "dbt_project", "deploy", "expectations")
FILES = sorted(
    p
    for folder in FOLDERS
    for pattern in ("*.yaml", "*.yml")
    for p in (PROJECT_ROOT / folder).rglob(pattern)
    if "target" not in p.parts and "dbt_packages" not in p.parts
)


def test_there_are_files_to_compare():
    assert len(FILES) > 20
    assert any(p.parts[-3:-1] == ("us_ca", "cases") for p in FILES)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_every_project_file_reads_as_safe_load_reads_it(path):
    raw = path.read_bytes()
    assert load_yaml(raw) == yaml.safe_load(raw)


def test_tags_dates_and_errors_as_safe_load():
    assert load_yaml("as_of: 2025-07-01\nn: 010\nflag: yes\n") == {
        "as_of": date(2025, 7, 1),
        "n": 8,  # YAML 1.1, as safe_load
        "flag": True,
    }
    with pytest.raises(yaml.constructor.ConstructorError):
        load_yaml("!!python/object/apply:os.system ['true']")
    with pytest.raises(yaml.YAMLError):
        load_yaml("a: [1, 2")


def test_read_mapping_names_the_file(tmp_path):
    bad = tmp_path / "law.yaml"
    bad.write_text("- a list\n")
    with pytest.raises(ValueError, match=r"law\.yaml: expected a mapping"):
        read_mapping(bad, ValueError)
