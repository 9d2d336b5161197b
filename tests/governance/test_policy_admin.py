"""The policy admin: edits refused with the rule's words, edits kept in history."""

import pytest
from django.urls import reverse

from governance.models import OnCallExpectation, PhaseGate, RaciActivity, RaciEntry, Role
from governance.policy.render import render_policy_markdown
from tests.helpers.policy import normalise_markdown

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(make_user):
    return make_user("root", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def change_form_data(response) -> dict:
    """The POST data of an admin change form as the page shows it (with its inlines)."""
    data = {}

    def add(form):
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else field.prepare_value(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        count = len(formset.initial_forms)
        data[management.add_prefix("TOTAL_FORMS")] = count
        data[management.add_prefix("INITIAL_FORMS")] = count
        data[management.add_prefix("MIN_NUM_FORMS")] = 0
        data[management.add_prefix("MAX_NUM_FORMS")] = 1000
        for form in formset.initial_forms:
            add(form)
    return data


def change_url(obj) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def raci_post(admin_client, activity, letters: dict[str, str]):
    url = change_url(activity)
    data = change_form_data(admin_client.get(url))
    entries = {entry.pk: entry.role.key for entry in activity.entries.select_related("role")}
    for key, value in list(data.items()):
        if key.endswith("-id") and key.startswith("entries-") and entries.get(value) in letters:
            data[key.replace("-id", "-letter")] = letters[entries[value]]
    return admin_client.post(url, data)


def test_the_admin_refuses_a_raci_activity_with_two_accountable_roles(admin_client):
    activity = RaciActivity.objects.get(name="Day-0 checklist")

    response = raci_post(admin_client, activity, {"on_call": "A"})

    assert response.status_code == 200
    assert (
        "RACI activity &quot;Day-0 checklist&quot; has 2 Accountable (A) roles; "
        "it must have exactly one." in response.content.decode()
    )
    assert RaciEntry.objects.get(activity=activity, role__key="on_call").letter == "R"


def test_the_admin_saves_a_raci_edit_that_keeps_one_accountable_role(admin_client, superuser):
    activity = RaciActivity.objects.get(name="Day-0 checklist")

    response = raci_post(admin_client, activity, {"support_lead": "C"})

    assert response.status_code == 302
    entry = RaciEntry.objects.get(activity=activity, role__key="support_lead")
    assert entry.letter == "C"
    assert entry.history.first().history_user == superuser
    assert "Day-0 checklist | A | R | C | I | C" in normalise_markdown(render_policy_markdown())


def test_editing_a_cell_in_the_admin_changes_the_document_and_names_the_editor(
    admin_client, superuser
):
    expectation = OnCallExpectation.objects.get(expectation="Availability")
    url = change_url(expectation)
    data = change_form_data(admin_client.get(url))
    data["requirement"] = "Reachable within 10 min"

    response = admin_client.post(url, data)

    assert response.status_code == 302
    assert "Availability | Reachable within 10 min" in normalise_markdown(render_policy_markdown())
    record = expectation.history.first()
    assert record.history_type == "~"
    assert record.history_user == superuser
    history_page = admin_client.get(
        reverse("admin:governance_oncallexpectation_history", args=[expectation.pk])
    )
    assert "root" in history_page.content.decode()


def test_the_admin_refuses_a_phase_gate_that_breaks_the_chain(admin_client):
    gate = PhaseGate.objects.get(from_phase="P1")
    url = change_url(gate)
    data = change_form_data(admin_client.get(url))
    data["to_phase"] = "P3"

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "The phase gates must form the chain" in response.content.decode()
    gate.refresh_from_db()
    assert gate.to_phase == "P2"


def test_the_admin_refuses_a_primary_who_is_also_the_backup(admin_client, owner):
    url = reverse("admin:governance_roleassignment_add")
    data = {
        "role": Role.objects.get(key="sre_lead").pk,
        "primary": owner.pk,
        "backup": owner.pk,
        "valid_from": "2025-01-01",
    }

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "The primary and the backup must be different people" in response.content.decode()


def test_staff_without_policy_permissions_cannot_edit_the_policy(client, make_user):
    client.force_login(make_user("clerk", is_staff=True))
    activity = RaciActivity.objects.get(name="Day-0 checklist")

    assert client.get(change_url(activity)).status_code == 403


def test_a_user_who_is_not_staff_is_sent_to_the_admin_login(client, outsider):
    client.force_login(outsider)
    activity = RaciActivity.objects.get(name="Day-0 checklist")

    response = client.get(change_url(activity))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
