"""Who may read the compliance report (issue 17 §2): the roles D9 §2.1 makes R, A or C for a
review the report feeds, decided by the authority engine; everyone else gets the styled 403
with the reason, and the menu shows the link only to whom may open it."""

import pytest
from django.urls import reverse

from governance import authority
from governance.models import RaciEntry

pytestmark = pytest.mark.django_db
NAV_LINK = 'href="/compliance/"'


@pytest.mark.parametrize("persona", ["owner", "sre_lead", "pm", "primary", "secondary"])
def test_the_roles_responsible_accountable_or_consulted_read_the_report(client, people, persona):
    user = people[persona]
    assert authority.decide(user, "compliance.read")
    client.force_login(user)
    response = client.get(reverse("compliance:report"))
    assert response.status_code == 200
    assert NAV_LINK in response.content.decode()


def test_the_pm_may_because_of_the_ga_criteria_review(pm):
    assert "GA criteria review (R)" in authority.decide(pm, "compliance.read").reason


@pytest.mark.parametrize("persona", ["support", "outsider", "db_owner"])
def test_the_others_get_the_styled_refusal_with_its_reason(client, people, db_owner, persona):
    user = db_owner if persona == "db_owner" else people[persona]
    client.force_login(user)
    response = client.get(reverse("compliance:report"))
    page = response.content.decode()
    assert response.status_code == 403
    assert "You may not open this page" in page and "portal.css" in page
    assert "may read the compliance report" in page and "you hold:" in page
    assert "What you can do" in page
    assert NAV_LINK not in client.get(reverse("dashboard")).content.decode()
    pack = reverse("compliance:month_pack", args=[2026, 1])
    assert client.get(pack).status_code == 403


def test_the_readers_follow_the_raci_rows(client, support):
    """Making Support Consulted for the metrics review lets Support read: the rows decide."""
    assert not authority.decide(support, "compliance.read")
    RaciEntry.objects.filter(activity__key="metrics_review", role__key="support_lead").update(
        letter="C"
    )
    assert authority.decide(support, "compliance.read")
    client.force_login(support)
    assert client.get(reverse("compliance:report")).status_code == 200
