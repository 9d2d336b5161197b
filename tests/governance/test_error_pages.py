"""The styled error pages (issue 17 §3): each says why and what to do, in the portal's look."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.views import defaults

pytestmark = pytest.mark.django_db


def test_an_unknown_address_answers_the_styled_404(client, outsider):
    client.force_login(outsider)
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "This page does not exist" in page and "/no-such-page/" in page
    assert "What you can do" in page and "portal.css" in page


def test_a_server_error_answers_the_styled_500_without_a_request_context():
    response = defaults.server_error(RequestFactory().get("/"))
    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in page and "D9 §4.4" in page
    assert "portal.css" in page and "Log out" not in page


def test_the_stylesheet_is_a_static_file_served_by_the_portal(client):
    response = client.get("/static/governance/portal.css")
    assert response.status_code == 200
    assert b".badge.sev-P1" in b"".join(response.streaming_content)


def test_the_menu_marks_the_page_you_are_on(client, outsider):
    client.force_login(outsider)
    page = client.get(reverse("incidents:list")).content.decode()
    assert f'<a href="{reverse("incidents:list")}" aria-current="page">Incidents</a>' in page
