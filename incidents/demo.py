"""Demo incidents so the incident pages have content (idempotent; `manage.py seed_demo`)."""

from django.contrib.auth import get_user_model
from django.db import transaction

from governance.models import Severity, Workspace
from incidents import services
from incidents.models import Incident

ALERTER = "alertmanager"
DEMO = [
    ("demo-cb-open", "P1", "Circuit breaker OPEN > 5 min", "All uploads failing", ""),
    ("demo-error-rate", "P2", "Error rate 24% on acme", "Uploads failing for acme", "acme"),
    ("demo-stuck", "P3", "Single upload stuck", "One upload stuck for globex", "globex"),
]


def _demo_workspace(slug: str) -> Workspace | None:
    if not slug:
        return None
    workspace, _ = Workspace.objects.get_or_create(slug=slug, defaults={"name": slug.title()})
    return workspace


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
    opened = 0
    for key, severity, title, impact, workspace in DEMO:
        if Incident.objects.filter(dedupe_key=key).exists():
            continue
        services.open_incident(
            actor=alerter,
            title=title,
            severity=Severity.objects.get(key=severity),
            impact=impact,
            workspace=_demo_workspace(workspace),
            dedupe_key=key,
            client_facing=severity == "P2",
        )
        opened += 1
    stdout.write(f"Incidents: {opened} demo incident(s) opened (user {ALERTER!r} alerts).")
