from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Governance"

    def ready(self):
        # Importing these registers the sweeps, the authority rules and the approval callbacks:
        # core outbox, kill switch and approvals, duties and launch, rollout sign-offs.
        from governance import (  # noqa: F401
            duty_sweeps,
            killswitch_sweeps,
            signoff_sweeps,
            sweeps,
        )
