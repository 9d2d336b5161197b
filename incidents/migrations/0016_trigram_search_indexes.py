"""Trigram (pg_trgm) GIN indexes for the text searches of the incident list and the admin
changelists (issue 16 point 4). PostgreSQL only: `icontains` there is
`UPPER(col::text) LIKE UPPER('%term%')`, which a B-tree cannot serve; a GIN index on
`UPPER(col)` with `gin_trgm_ops` can. On SQLite this migration does nothing."""

from django.db import migrations

# (index name, table, column, the search it serves)
TRIGRAM_INDEXES = [
    ("incident_title_trgm", "incidents_incident", "title", "incident list ?q= and admin search"),
    ("incident_impact_trgm", "incidents_incident", "impact", "incident list ?q="),
    ("incident_update_body_trgm", "incidents_incidentupdate", "body", "updates admin search"),
    ("incident_event_text_trgm", "incidents_incidentevent", "text", "events admin search"),
    ("outbox_address_trgm", "governance_notification", "address", "outbox admin search"),
    ("outbox_subject_trgm", "governance_notification", "subject", "outbox admin search"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column, _search in TRIGRAM_INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
            f'USING gin (UPPER("{column}"::text) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column, _search in TRIGRAM_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0015_indexes_for_lists_and_sweeps"),
        ("governance", "0050_indexes_for_lists_and_sweeps"),
    ]

    # The extension is created in `create`, not by `TrigramExtension`: that operation's reverse
    # queries pg_extension on every database, SQLite included. Reversing keeps the extension
    # (other objects in the database may use it) and drops the indexes.
    operations = [migrations.RunPython(create, drop)]
