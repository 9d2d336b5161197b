"""Issue 16 point 4: the incident list and the admin search the same way — title, impact,
workspace slug, dedupe key, #id — and on PostgreSQL every branch of that search has an index,
so a rare term is an index lookup rather than a scan of 100 000 incidents."""

import pytest
from django.db import connection

from incidents import selectors
from incidents.models import Incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def incidents(crew, declare, acme):
    return {
        "title": declare("P1", title="Database down"),
        "impact": declare("P2", title="Slow", impact="Exports of acme-like size time out"),
        "workspace": declare("P3", title="One upload stuck", workspace=acme),
        "key": declare("P3", title="Disk full", dedupe_key="alertmanager:disk-7"),
    }


SEARCHES = [
    ("database", {"title"}),
    ("EXPORTS OF", {"impact"}),
    ("acme", {"workspace", "impact"}),
    ("alertmanager:disk-7", {"key"}),
    ("alertmanager:disk", set()),
]


@pytest.mark.parametrize(("q", "found"), SEARCHES)
def test_the_list_and_the_admin_find_the_same_incidents(incidents, client, admin_client, q, found):
    client.force_login(incidents["title"].opened_by)
    listed = client.get("/incidents/", {"q": q}).content.decode()
    admin = admin_client.get("/admin/incidents/incident/", {"q": q}).content.decode()
    for name, incident in incidents.items():
        expected = name in found
        assert (f'href="{incident.get_absolute_url()}"' in listed) == expected, (q, name)
        assert (f"/admin/incidents/incident/{incident.pk}/change/" in admin) == expected, (q, name)


def test_a_number_finds_that_incident(incidents, admin_client):
    wanted = incidents["key"]
    for q in (str(wanted.pk), f"#{wanted.pk}"):
        found = selectors.matching(Incident.objects.all(), q)
        assert list(found) == [wanted]
    page = admin_client.get("/admin/incidents/incident/", {"q": f"#{wanted.pk}"}).content.decode()
    assert f"/admin/incidents/incident/{wanted.pk}/change/" in page


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm is PostgreSQL's")
def test_every_branch_of_the_search_has_an_index(incidents):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    # Unordered: ordered, the plan may walk the opened_at index instead (a common term).
    plan = selectors.matching(Incident.objects.order_by(), "acme").explain()
    assert "BitmapOr" in plan
    for index in ("incident_title_trgm", "incident_impact_trgm", "incident_dedupe_key"):
        assert index in plan
