from django.apps import AppConfig


class RotationsConfig(AppConfig):
    name = "rotations"
    verbose_name = "Rotations"

    def ready(self):
        from rotations import authority, sweeps  # noqa: F401  (registers rules and sweeps)
