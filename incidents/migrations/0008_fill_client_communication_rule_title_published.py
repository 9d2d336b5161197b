"""Communications drafted before issue 21 followed D9 §7.2 "Incident (client-facing)"; an
approved one counts as published when it was approved; its headline is its status-page text's
first line."""

from django.db import migrations


def fill(apps, schema_editor):
    ClientCommunication = apps.get_model("incidents", "ClientCommunication")
    CommunicationRule = apps.get_model("governance", "CommunicationRule")
    rule = CommunicationRule.objects.filter(key="incident_client_facing").first()
    for communication in ClientCommunication.objects.all():
        communication.rule = rule
        communication.title = (communication.status_page_text.splitlines() or [""])[0][:200]
        if communication.status != "draft":
            communication.published_at = communication.approved_at
        communication.save(update_fields=["rule", "title", "published_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0007_status_page_subscribers_client_mail"),
        ("governance", "0034_seed_outage_status_impact"),
    ]

    # Backwards: the columns filled here are dropped by reversing 0006.
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
