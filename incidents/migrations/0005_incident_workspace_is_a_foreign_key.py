"""Drop the workspace slug column; the foreign key takes its name (step 3 of 3)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("incidents", "0004_map_incident_workspace_slugs")]

    operations = [
        migrations.RemoveField(model_name="incident", name="workspace"),
        migrations.RemoveField(model_name="historicalincident", name="workspace"),
        migrations.RenameField(
            model_name="incident", old_name="workspace_ref", new_name="workspace"
        ),
        migrations.RenameField(
            model_name="historicalincident", old_name="workspace_ref", new_name="workspace"
        ),
        migrations.AlterField(
            model_name="incident",
            name="workspace",
            field=models.ForeignKey(
                blank=True,
                help_text="The affected workspace; empty: global.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="incidents",
                to="governance.workspace",
            ),
        ),
        migrations.AlterField(
            model_name="historicalincident",
            name="workspace",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text="The affected workspace; empty: global.",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="governance.workspace",
            ),
        ),
    ]
