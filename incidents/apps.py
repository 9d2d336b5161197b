from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents"

    def ready(self):
        # Register the authority rules, the approval callbacks and the sweeps.
        from incidents import authority, services, sweeps  # noqa: F401
