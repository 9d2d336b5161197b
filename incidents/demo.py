"""Demo incidents so the incident pages have content (idempotent; `manage.py seed_demo`).

Seeded relative to now so the first look is calm and true (issue 17 §1): a P1 of this morning
acknowledged and resolved (its post-incident review open), a P2 being mitigated with its last
update inside the D9 §7.1 cadence, and a P3 opened a few minutes ago that waits for the
On-Call Primary to acknowledge it, still inside the §3.1 response time.
"""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from governance.authority import rotation_holders
from governance.models import Severity, Workspace
from incidents import services
from incidents.models import Incident

ALERTER = "alertmanager"
PRIMARY = "on_call_primary"
MINUTE = datetime.timedelta(minutes=1)


def _demo_workspace(slug: str) -> Workspace | None:
    if not slug:
        return None
    workspace, _ = Workspace.objects.get_or_create(slug=slug, defaults={"name": slug.title()})
    return workspace


def _open(key, severity, title, impact, workspace, *, alerter, at):
    incident, _ = services.open_incident(
        actor=alerter,
        title=title,
        severity=Severity.objects.get(key=severity),
        impact=impact,
        workspace=_demo_workspace(workspace),
        dedupe_key=key,
        at=at,
    )
    return incident


def _acknowledge(incident, *, at):
    """Acknowledged by whoever was On-Call Primary then (nobody on call: left unacknowledged)."""
    primary = rotation_holders(at).get(PRIMARY)
    if primary is not None:
        incident = services.acknowledge(incident=incident, actor=primary, at=at)
    return incident, primary


@transaction.atomic
def seed(*, stdout) -> None:
    User = get_user_model()
    alerter, created = User.objects.get_or_create(
        username=ALERTER,
        defaults={"first_name": "Alert", "last_name": "Manager", "email": "alerts@example.com"},
    )
    if created:
        alerter.set_unusable_password()
        alerter.save()
    if Incident.objects.filter(dedupe_key__startswith="demo-").exists():
        stdout.write("Incidents: demo incidents already there.")
        return
    now = timezone.now()

    opened = now - 180 * MINUTE
    p1 = _open(
        "demo-cb-open",
        "P1",
        "Circuit breaker OPEN > 5 min",
        "All uploads failing",
        "",
        alerter=alerter,
        at=opened,
    )
    p1, primary = _acknowledge(p1, at=opened + 3 * MINUTE)
    if primary is not None:
        services.resolve(
            incident=p1,
            actor=primary,
            root_cause="A storage node ran out of disk; the breaker opened as designed.",
            resolution="Disk extended, breaker closed, the queued uploads replayed.",
            at=opened + 55 * MINUTE,
        )

    opened = now - 50 * MINUTE
    p2 = _open(
        "demo-error-rate",
        "P2",
        "Error rate 24% on acme",
        "Uploads failing for acme",
        "acme",
        alerter=alerter,
        at=opened,
    )
    p2, primary = _acknowledge(p2, at=opened + 4 * MINUTE)
    if primary is not None:
        services.post_update(
            incident=p2,
            actor=primary,
            status=Incident.Status.MITIGATING,
            findings="A bad parser release for acme's CSV dialect.",
            next_steps="Rolling the parser back for acme.",
            at=now - 20 * MINUTE,
        )

    _open(
        "demo-stuck",
        "P3",
        "Single upload stuck",
        "One upload stuck for globex",
        "globex",
        alerter=alerter,
        at=now - 4 * MINUTE,
    )
    stdout.write(f"Incidents: 3 demo incidents (user {ALERTER!r} alerts).")
