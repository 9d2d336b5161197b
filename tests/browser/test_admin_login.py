"""The demo admin logs into the Django admin and sees its index."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db(transaction=True)
def test_the_demo_admin_logs_into_the_admin_and_sees_the_index(page):
    call_command("seed_demo")

    page.goto("/admin/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "admin")
    page.click("input[type=submit]")

    page.wait_for_selector("#site-name")
    assert "Policy and records" in page.content()
    assert page.locator("text=Notifications").count() >= 1
