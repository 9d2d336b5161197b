from django.apps import AppConfig


class RotationsConfig(AppConfig):
    name = "rotations"
    verbose_name = "Rotations"

    def ready(self):
        from rotations import sweeps  # noqa: F401  (registers the rotation sweeps)
