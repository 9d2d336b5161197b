"""Helpers shared by the policy tests."""

import re
from io import StringIO
from pathlib import Path

from django.core.management import call_command

D9_PATH = Path(__file__).resolve().parent.parent / "data" / "D9-v1.0.md"
SEPARATOR = re.compile(r"^:?-+:?$")


def normalise_markdown(text: str) -> list[str]:
    """Lines of a Markdown document with table cells stripped and separator rows dropped."""
    lines = []
    for line in text.splitlines():
        if line.startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if all(SEPARATOR.match(cell) for cell in cells if cell) and any(cells):
                continue
            lines.append(" | ".join(cells))
        else:
            lines.append(line.rstrip())
    while lines and not lines[-1]:
        lines.pop()
    return lines


def without_readings(markdown: str) -> str:
    """The D9 part of a rendered document: what precedes "How this portal reads D9" (issue 12
    point 14), which is the portal's own section after §9."""
    from governance.policy.readings import HEADING

    d9, found, _ = markdown.partition(f"\n---\n\n## {HEADING}\n")
    assert found, "the rendering carries no readings section"
    return d9


def command(name: str, *args) -> tuple[int, str]:
    """Run a management command; return (exit status, output)."""
    out = StringIO()
    try:
        call_command(name, *args, stdout=out, stderr=out)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue()
    return 0, out.getvalue()
