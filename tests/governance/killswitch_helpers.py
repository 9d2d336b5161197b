"""Shared setup of the authority, approval and kill-switch tests."""

import pytest

from governance.models import KillSwitchScenario, Severity, Workspace


@pytest.fixture
def people(owner, sre_lead, pm, support, outsider, primary, secondary, make_user):
    """Every persona, by name; `inactive` is a deactivated account."""
    return {
        "owner": owner,
        "sre_lead": sre_lead,
        "pm": pm,
        "support": support,
        "outsider": outsider,
        "primary": primary,
        "secondary": secondary,
        "inactive": make_user("inactive", is_active=False),
    }


@pytest.fixture
def workspace(db):
    return Workspace.objects.create(name="Acme", slug="acme")


def scenario(key: str) -> KillSwitchScenario:
    return KillSwitchScenario.objects.get(key=key)


def severity(key: str = "P2") -> Severity:
    return Severity.objects.get(key=key)
