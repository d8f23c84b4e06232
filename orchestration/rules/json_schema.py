"""Write the JSON Schema of rule files (for editors and reviewers) from the pydantic models.

python -m orchestration.rules.json_schema          # writes rules/_schema/...
python -m orchestration.rules.json_schema --check  # fails if the committed file is stale
"""

import json
import sys
from pathlib import Path

from orchestration.rules.schema import RuleFile
from orchestration.settings import PROJECT_ROOT

SCHEMA_FILE = PROJECT_ROOT / "rules" / "_schema" / "clearance-rules.v1.schema.json"


def render() -> str:
    schema = RuleFile.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "clearance-rules/v1"
    schema["description"] = (
        "A Clean Slate Warehouse rule file: one law, its citations, parameters, code sets, "
        "scope and ordered rules. Generated from orchestration/rules/schema.py; do not edit."
    )
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not SCHEMA_FILE.exists() or SCHEMA_FILE.read_text() != text:
            print(f"{SCHEMA_FILE} is stale: run python -m orchestration.rules.json_schema")
            return 1
        return 0
    SCHEMA_FILE.parent.mkdir(parents=True, exist_ok=True)
    Path(SCHEMA_FILE).write_text(text)
    print(f"wrote {SCHEMA_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
