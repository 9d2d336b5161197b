"""Fixtures of the incident tests: a fixed clock (mid-week, away from the Monday handoff) and
the people of every tier, on call or assigned."""

import datetime

import pytest
from django.utils import timezone

from governance.models import Severity, Workspace

# A Wednesday 10:00 UTC: hours of time travel never cross the Monday 09:00 handoff.
START = datetime.datetime(2030, 1, 16, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def clock(time_machine):
    """Time stands still at START until a test moves it (`clock.shift(...)`)."""
    time_machine.move_to(START, tick=False)
    return time_machine


@pytest.fixture
def crew(rotation, primary, secondary, owner, sre_lead, pm, support):
    """Everyone the ladder can reach, by role."""
    return {
        "primary": primary,
        "secondary": secondary,
        "owner": owner,
        "sre_lead": sre_lead,
        "pm": pm,
        "support": support,
    }


@pytest.fixture
def acme(db):
    """A client workspace incidents can be scoped to."""
    return Workspace.objects.create(name="Acme", slug="acme")


@pytest.fixture
def alerter(make_user):
    """The alerting system's user (it posts alerts with an API token)."""
    return make_user("alertmanager", first_name="Alert", last_name="Manager")


@pytest.fixture
def declare(alerter):
    """`declare("P1", title=..., **fields)`: open an incident as the alerting system, now."""
    from incidents import services

    def open_it(severity_key: str = "P1", **fields):
        fields.setdefault("title", f"{severity_key} ingestion failure")
        fields.setdefault("impact", "Uploads failing for all clients")
        incident, _ = services.open_incident(
            actor=fields.pop("actor", alerter),
            severity=Severity.objects.get(key=severity_key),
            **fields,
        )
        return incident

    return open_it


def minutes_after(incident, minutes: float) -> datetime.datetime:
    return incident.opened_at + datetime.timedelta(minutes=minutes)


def sweep_at(clock, instant: datetime.datetime) -> str:
    """Move the clock to `instant` and run the incidents sweep there."""
    from incidents.escalation import escalate_due

    clock.move_to(instant, tick=False)
    return escalate_due(now=timezone.now())


# The status-page and client-mail fixtures (issue 21), shared by their test modules.
from tests.incidents.status_helpers import beta, client_incident, fresh_cache  # noqa: E402, F401
