"""Incidents point at a governance Workspace instead of naming its slug (step 1 of 3).

The foreign key is added beside the old slug column (`workspace_ref`), so the next migration can
map each slug to its workspace before the slug column goes away.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0010_authority_killswitch"),
        ("incidents", "0002_schedule_incident_sweeps"),
    ]

    operations = [
        migrations.AddField(
            model_name="incident",
            name="workspace_ref",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="governance.workspace",
            ),
        ),
        migrations.AddField(
            model_name="historicalincident",
            name="workspace_ref",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="governance.workspace",
            ),
        ),
    ]
