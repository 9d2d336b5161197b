from importlib import import_module

from django.apps import AppConfig

# The incidents app's registrations: authority rules, approval kinds with their callbacks, sweeps.
REGISTERING_MODULES = ("incidents.authority", "incidents.services", "incidents.sweeps")


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Incidents"

    def ready(self):
        for module in REGISTERING_MODULES:
            import_module(module)
