"""Shared setup of the status-page and client-mail tests: client-facing incidents, published
communications, subscribers and an approved planned maintenance."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from governance.approvals import services as approvals
from governance.killswitch import services as killswitch
from governance.models import CommunicationRule, KillSwitchScenario, Severity, Workspace
from incidents import services
from incidents.models import ClientCommunication, Incident, StatusSubscriber

INTERNAL_TITLE = "Kafka consumer lag on ingest-7 after deploy 4411"


@pytest.fixture(autouse=True)
def fresh_cache():
    """The rendered pages are cached by their version; each test's database starts over, so
    its cache does too."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def beta(db):
    return Workspace.objects.create(name="Beta Corp", slug="beta")


@pytest.fixture
def client_incident(crew, declare, acme):
    """A client-facing P1 in Acme's workspace, titled with internal detail."""
    return declare("P1", client_facing=True, workspace=acme, title=INTERNAL_TITLE)


def draft(incident, support, **fields):
    fields.setdefault("title", "Delayed uploads")
    fields.setdefault("status_page_text", "Uploads for some clients are delayed by minutes.")
    fields.setdefault("email_text", "Dear client, uploads are delayed; no data is lost.")
    return services.draft_client_communication(incident=incident, actor=support, **fields)


def publish(incident, crew, **fields):
    """Support drafts, the PM approves: published."""
    communication = draft(incident, crew["support"], **fields)
    services.approve_client_communication(communication=communication, actor=crew["pm"])
    communication.refresh_from_db()
    return communication


def rule(key: str) -> CommunicationRule:
    return CommunicationRule.objects.get(key=key)


def subscriber(email: str, workspace=None, *, active=True) -> StatusSubscriber:
    now = timezone.now()
    return StatusSubscriber.objects.create(
        email=email, workspace=workspace, created_at=now, confirmed_at=now if active else None
    )


def approved_maintenance(owner, pm, workspace=None, *, hours_ahead=25):
    """D9 §5.1 planned maintenance, 24 h+ ahead, approved by the PM."""
    activation = killswitch.activate_kill_switch(
        actor=owner,
        scenario=KillSwitchScenario.objects.get(key="planned_maintenance"),
        severity=Severity.objects.get(key="P3"),
        reason="Database upgrade to 17 (internal: replica rebuild on db-3)",
        workspace=workspace,
        starts_at=timezone.now() + datetime.timedelta(hours=hours_ahead),
    )
    approvals.decide_approval(
        request=activation.approval, actor=pm, verdict="approve", statement="Announced"
    )
    activation.refresh_from_db()
    return activation


def bulk_published(count: int, workspaces: list, *, support) -> None:
    """`count` published incidents spread over `workspaces` (one update each, every third
    resolved), written directly: the benchmark measures the reads, not the approvals."""
    now = timezone.now()
    severity = Severity.objects.get(key="P2")
    client_rule = rule("incident_client_facing")
    incidents = Incident.objects.bulk_create(
        [
            Incident(
                title=f"internal {n}",
                severity=severity,
                workspace=workspaces[n % len(workspaces)] if workspaces else None,
                opened_at=now - datetime.timedelta(hours=n),
                ladder_started_at=now - datetime.timedelta(hours=n),
                client_facing=True,
                status=Incident.Status.RESOLVED,
            )
            for n in range(count)
        ]
    )
    ClientCommunication.objects.bulk_create(
        [
            ClientCommunication(
                incident=incident,
                rule=client_rule,
                title=f"Public incident {n}",
                public_status="resolved" if n % 3 else "monitoring",
                status_page_text=f"Text {n}",
                email_text=f"Mail {n}",
                status=ClientCommunication.Status.SENT,
                drafted_at=incident.opened_at,
                drafted_by=support,
                approved_at=incident.opened_at,
                published_at=incident.opened_at,
            )
            for n, incident in enumerate(incidents)
        ]
    )
