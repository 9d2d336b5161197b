"""The policy page and its Markdown download (login required)."""

import pytest
from django.urls import reverse

from tests.helpers.policy import D9_PATH, normalise_markdown, without_readings

pytestmark = pytest.mark.django_db


def test_the_policy_page_shows_the_document_with_the_raci_grid(client, outsider):
    client.force_login(outsider)

    response = client.get(reverse("policy"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>D9 — Production Roles, Ownership &amp; On-Call Model</h1>" in html
    assert '<table class="raci">' in html
    assert '<th colspan="6"><strong>Pre-Launch</strong></th>' in html
    assert "<td>Day-0 checklist</td><td>A</td><td>R</td><td>C</td><td>I</td><td>I</td>" in html
    assert "🔴 INCIDENT: Ingestion [P1/P2/P3]" in html


def test_the_policy_page_shows_assigned_people(client, owner, owner_backup):
    client.force_login(owner)

    html = client.get(reverse("policy")).content.decode()

    assert "<td>Ingestion Owner</td><td>Olivia Owner</td><td>Oscar Backup</td>" in html


def test_the_policy_page_needs_a_login(client):
    response = client.get(reverse("policy"))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_markdown_download_is_the_rendered_document(client, outsider):
    client.force_login(outsider)

    response = client.get(reverse("policy_markdown"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/markdown")
    assert "attachment" in response["Content-Disposition"]
    document = response.content.decode()
    d9 = without_readings(document)
    assert normalise_markdown(d9) == normalise_markdown(D9_PATH.read_text())


def test_the_markdown_download_needs_a_login(client):
    response = client.get(reverse("policy_markdown"))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]
