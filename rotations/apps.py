from importlib import import_module

from django.apps import AppConfig

# The rotations app's registrations: authority rules and sweeps.
REGISTERING_MODULES = ("rotations.authority", "rotations.sweeps")


class RotationsConfig(AppConfig):
    name = "rotations"
    verbose_name = "Rotations"

    def ready(self):
        from governance import authority
        from governance.core import memo
        from governance.policy import checks, render
        from governance.rollout.readiness import register_readiness_source
        from rotations import readiness, selectors, services
        from rotations.models import Override, Rotation, RotationWeek

        for module in REGISTERING_MODULES:
            import_module(module)
        # Who holds the D9 §3.1 rotation tiers at T: the authority engine asks this source.
        authority.register_rotation_source(selectors.on_call_roles)
        # A request or sweep that changes a week or an override reads the rotation afresh.
        memo.forget_on_change(Rotation, RotationWeek, Override)
        # The policy page's §3.2 schedule and the §3.4 readiness findings come from rotations.
        render.register_schedule_source(selectors.schedule_rows)
        checks.register_findings(services.readiness_findings)
        # D9 §6.2 "on-call trained": the gate page shows the roster's §3.4 readiness.
        register_readiness_source(readiness.readiness_evidence)
