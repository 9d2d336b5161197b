"""D9 §1-§9 rendered back from the seeded rows (acceptance: cell for cell)."""

import difflib

import pytest

from governance.models import EscalationContact, OnCallExpectation, RaciEntry
from governance.policy.render import render_policy_markdown
from tests.helpers.policy import D9_PATH, command, normalise_markdown, without_readings

pytestmark = pytest.mark.django_db


def test_render_policy_reproduces_d9_v1_cell_for_cell_on_a_fresh_database():
    status, output = command("render_policy")

    expected = normalise_markdown(D9_PATH.read_text(encoding="utf-8"))
    actual = normalise_markdown(without_readings(output))
    assert status == 0
    assert actual == expected, "\n".join(difflib.unified_diff(expected, actual, lineterm=""))


def test_every_table_row_of_d9_is_in_the_rendering():
    rendered = set(normalise_markdown(render_policy_markdown()))
    rows = [line for line in normalise_markdown(D9_PATH.read_text()) if " | " in line]

    assert len(rows) > 100
    assert [row for row in rows if row not in rendered] == []


def test_message_templates_print_exactly_as_d9():
    document = render_policy_markdown()

    assert "```\n🟢 RESOLVED: Ingestion [P1/P2/P3]\nTime: [timestamp]\n" in document
    assert "Follow-up: [post-incident scheduled Y/N]\n```" in document


def test_blanks_print_as_in_d9_when_nothing_is_assigned():
    lines = normalise_markdown(render_policy_markdown())

    assert "Ingestion Owner | _____________ | _____________" in lines
    assert "Week 1 | _______ | _______" in lines
    assert "PM | Slack: _______ | Email: _______" in lines


def test_assigned_people_and_contacts_fill_the_blanks(owner, owner_backup):
    contact = EscalationContact.objects.get(role__key="product_manager")
    contact.primary_value = "@priya"
    contact.save()

    lines = normalise_markdown(render_policy_markdown())

    assert "Ingestion Owner | Olivia Owner | Oscar Backup" in lines
    assert "PM | Slack: @priya | Email: _______" in lines


def test_editing_a_row_changes_the_rendering():
    entry = RaciEntry.objects.get(activity__name="Metrics review", role__key="support_lead")
    entry.letter = "C"
    entry.save()
    expectation = OnCallExpectation.objects.get(expectation="Availability")
    expectation.requirement = "Reachable within 10 min"
    expectation.save()

    lines = normalise_markdown(render_policy_markdown())

    assert "Metrics review | A | C | R | I | C" in lines
    assert "Availability | Reachable within 10 min" in lines
