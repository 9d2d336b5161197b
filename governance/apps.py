from importlib import import_module

from django.apps import AppConfig

# Every registration of the governance app happens here, by importing the modules that declare
# it (docs/architecture.md "Registries"): authority rules, approval kinds with their callbacks,
# sweeps, Celery tasks, system checks and admin pages.
REGISTERING_MODULES = (
    "governance.authority.rules",
    "governance.authority.sweeps",
    "governance.approvals.authority",
    "governance.approvals.sweeps",
    "governance.killswitch.authority",
    "governance.killswitch.services",
    "governance.killswitch.sweeps",
    "governance.rollout.authority",
    "governance.rollout.services",
    "governance.rollout.readiness",
    "governance.rollout.sweeps",
    "governance.duties.services",
    "governance.duties.sweeps",
    "governance.launch.services",
    "governance.compliance.authority",
    "governance.compliance.sweeps",
    "governance.notifications.tasks",
    "governance.ops.sweeps",
    "governance.record.records",
    "governance.record.sweeps",
    "governance.ops.tasks",
    "governance.ops.two_factor",
    "governance.policy.checks",
    "governance.policy.changes",
    "governance.core.admin",
    "governance.policy.admin",
    "governance.approvals.admin",
    "governance.killswitch.admin",
    "governance.rollout.admin",
    "governance.duties.admin",
    "governance.launch.admin",
    "governance.notifications.admin",
    "governance.ops.admin",
)


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Governance"

    def ready(self):
        for module in REGISTERING_MODULES:
            import_module(module)
        from django.contrib.auth import get_user_model

        from governance.core import memo
        from governance.models import (
            DecisionAuthority,
            DecisionAuthorityRole,
            OnCallTier,
            Role,
            RoleAssignment,
        )

        # Who holds which role is memoised per request or sweep; a change to its rows (or to a
        # user's active flag) within one drops the memo.
        memo.forget_on_change(
            Role,
            RoleAssignment,
            OnCallTier,
            DecisionAuthority,
            DecisionAuthorityRole,
            get_user_model(),
        )
