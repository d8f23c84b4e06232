"""Write the JSON Schemas of rule files and code inference tables (for editors and reviewers)
from the pydantic models.

python -m orchestration.rules.json_schema          # writes rules/_schema/...
python -m orchestration.rules.json_schema --check  # fails if a committed file is stale
"""

import json
import sys
from pathlib import Path

from orchestration.lib.settings import PROJECT_ROOT
from orchestration.rules.schema import CodeInferenceFile, RuleFile

SCHEMA_FILE = PROJECT_ROOT / "rules" / "_schema" / "clearance-rules.v1.schema.json"
CODE_INFERENCE_SCHEMA_FILE = (
    PROJECT_ROOT / "rules" / "_schema" / "clearance-code-inference.v1.schema.json"
)


def render() -> str:
    schema = RuleFile.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "clearance-rules/v1"
    schema["description"] = (
        "A Clean Slate Warehouse rule file: one law, its citations, parameters, code sets, "
        "scope and ordered rules. Generated from orchestration/rules/schema.py; do not edit."
    )
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def render_code_inference() -> str:
    schema = CodeInferenceFile.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "clearance-code-inference/v1"
    schema["description"] = (
        "A Clean Slate Warehouse code inference table: the code of a charge text with a section "
        "but no code abbreviation, where the section range and a description keyword settle it. "
        "Generated from orchestration/rules/schema.py; do not edit."
    )
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    files = {SCHEMA_FILE: render(), CODE_INFERENCE_SCHEMA_FILE: render_code_inference()}
    if "--check" in argv:
        stale = [f for f, text in files.items() if not f.exists() or f.read_text() != text]
        for f in stale:
            print(f"{f} is stale: run python -m orchestration.rules.json_schema")
        return 1 if stale else 0
    for f, text in files.items():
        f.parent.mkdir(parents=True, exist_ok=True)
        Path(f).write_text(text)
        print(f"wrote {f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
