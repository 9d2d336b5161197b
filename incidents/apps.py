from importlib import import_module

from django.apps import AppConfig

# The incidents app's registrations: authority rules, approval kinds with their callbacks, sweeps.
REGISTERING_MODULES = (
    "incidents.authority",
    "incidents.services",
    "incidents.reviews",
    "incidents.sweeps",
)


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents"

    def ready(self):
        from governance.core.status import register_status_section
        from governance.duties.services import register_chase
        from governance.record.chain import register_chained
        from governance.rollout import services as rollout
        from governance.rollout.readiness import register_readiness_source
        from incidents import readiness, reviews, selectors
        from incidents.models import IncidentEvent

        for module in REGISTERING_MODULES:
            import_module(module)
        # No phase advance during an open P1/P2 (issue "Rollout phases").
        rollout.register_blocker(selectors.open_incidents_block)
        # Issue 20: the incident timeline is part of the tamper-evident record.
        register_chained(IncidentEvent, fields=["incident", "at", "kind", "actor", "text", "step"])
        # D9 §2.1: an overdue post-incident review mails the Owner once.
        register_chase("overdue review(s) chased", reviews.chase_overdue_reviews)
        # D9 §6.2 evidence on the gate page: incidents, MTTA/MTTR per phase, follow-ups, reviews.
        register_readiness_source(readiness.readiness_evidence)
        register_status_section(
            key="open_incidents",
            template="incidents/status_open_incidents.html",
            context=selectors.open_incidents_status,
            position=10,
        )
