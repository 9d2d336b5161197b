"""D9 §7.2 "Outage communication": the status page shows an outage (major) while one is open;
"Incident (client-facing)" keeps the default, degraded (minor)."""

from django.db import migrations


def seed(apps, schema_editor):
    CommunicationRule = apps.get_model("governance", "CommunicationRule")
    CommunicationRule.objects.filter(key="outage_communication").update(status_impact="major")


def unseed(apps, schema_editor):
    CommunicationRule = apps.get_model("governance", "CommunicationRule")
    CommunicationRule.objects.filter(key="outage_communication").update(status_impact="minor")


class Migration(migrations.Migration):
    dependencies = [("governance", "0033_outbox_headers_status_page_policy")]

    operations = [migrations.RunPython(seed, unseed)]
