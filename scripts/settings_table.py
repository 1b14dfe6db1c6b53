"""Print the README's configuration table from app/settings.py, the one source of truth.

.venv/bin/python scripts/settings_table.py
"""

from __future__ import annotations

import json

from app.settings import Settings


def _default(value: object) -> str:
    if value is None:
        return "(empty)"
    if isinstance(value, dict | list | tuple):
        return json.dumps(value)
    return str(value)


def main() -> None:
    print("| variable | default | what it does |")
    print("|---|---|---|")
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        text = (field.description or "").replace("|", "\\|")
        print(f"| `SECONDEAR_{name.upper()}` | `{_default(default)}` | {text} |")


if __name__ == "__main__":
    main()
