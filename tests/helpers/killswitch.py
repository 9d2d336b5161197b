"""Policy rows the authority, approval and kill-switch tests name."""

from governance.models import KillSwitchScenario, Severity


def scenario(key: str) -> KillSwitchScenario:
    return KillSwitchScenario.objects.get(key=key)


def severity(key: str = "P2") -> Severity:
    return Severity.objects.get(key=key)
