"""A B-tree on `Incident.dedupe_key` for the incident search (`incidents.selectors.matching`,
the list's ?q= and the admin search): the search ORs the key with the trigram-indexed title and
impact, and PostgreSQL combines indexes for an OR only when every branch has one; without it
a rare term scanned the whole table (issue 16 point 4). The unique constraint's index covers open
incidents only. Raw SQL like 0016, so the model's state is unchanged; on SQLite it does
nothing (a search there scans the table anyway)."""

from django.db import migrations

NAME = "incident_dedupe_key"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS "{NAME}" ON "incidents_incident" ("dedupe_key")'
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'DROP INDEX IF EXISTS "{NAME}"')


class Migration(migrations.Migration):
    dependencies = [("incidents", "0021_chain_incident_events")]

    operations = [migrations.RunPython(create, drop)]
