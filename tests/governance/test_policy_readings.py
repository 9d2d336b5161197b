"""Issue 12 point 14: "How this portal reads D9" — the readings the portal applies where D9 is
ambiguous (§3.1 beside §4.2; the requester's role in a gate, §6.1; §2.2 vs §5.3 on who
resumes; §1.3 who decides; §3.1 deadlines; §5.1 "PM (24h advance)"; §5.3 Rollback resume)
are printed by
`render_policy`, on the policy page, and listed by `validate_policy`."""

import pytest
from django.urls import reverse

from governance.policy.readings import HEADING, READINGS
from tests.helpers.policy import command

pytestmark = pytest.mark.django_db

EXPECTED = (
    "§3.1 beside §4.2",
    "§6.1 gate approvers",
    "§2.2 vs §5.3 resume",
    "§1.3, §3.1 who decides",
    "§3.1 approval deadlines",
    "§5.1 PM (24h advance)",
    "§5.3 Rollback resume",
)


def test_the_readings_name_each_ambiguity_of_the_issue():
    sections = [reading.sections for reading in READINGS]
    assert set(EXPECTED) <= set(sections)


def test_render_policy_prints_the_readings_after_d9():
    status, output = command("render_policy")
    assert status == 0
    head, tail = output.split(f"## {HEADING}", 1)
    assert "## 9. Document Control" in head
    for reading in READINGS:
        assert reading.sections in tail
        assert reading.text in tail


def test_the_policy_page_shows_the_readings(client, outsider):
    client.force_login(outsider)
    page = client.get(reverse("policy")).content.decode()
    assert HEADING in page
    assert "Ingestion Owner → SRE Lead" in page


def test_the_policy_page_needs_a_sign_in(client):
    """Denied twin: the page (and its readings) is for signed-in people."""
    response = client.get(reverse("policy"))
    assert response.status_code == 302


def test_validate_policy_lists_the_readings_as_notes():
    status, output = command("validate_policy")
    assert status == 0
    lines = [line for line in output.splitlines() if line.startswith(f"NOTE: {HEADING}")]
    assert len(lines) == len(READINGS)
