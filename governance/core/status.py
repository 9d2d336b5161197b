"""Current system status (D9 §3.3 "Check current system status"): the sections a page about the
state of the system shows (the handoff page), each registered in `ready()` by the concern that
knows it — incidents its open incidents, the kill switch its active pauses — so the rotations
app shows them without importing incidents."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class StatusSection:
    key: str
    template: str
    context: Callable[[datetime], dict]
    position: int = 0


SECTIONS: list[StatusSection] = []


def register_status_section(
    *, key: str, template: str, context: Callable[[datetime], dict], position: int = 0
) -> None:
    """Add a section: `template` is rendered with `section` holding `context(at)`."""
    SECTIONS.append(StatusSection(key=key, template=template, context=context, position=position))


def status_sections(*, at: datetime) -> list[dict]:
    """Every registered section with its context at `at`, in position order."""
    ordered = sorted(SECTIONS, key=lambda s: (s.position, s.key))
    return [{"key": s.key, "template": s.template, **s.context(at)} for s in ordered]
