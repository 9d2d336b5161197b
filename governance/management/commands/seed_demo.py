import importlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

DEMO_ADMIN = ("admin", "admin")
# Each module exposes `seed(*, stdout)`; they run in this order (people first, then their shifts).
DEMO_MODULES = [
    "governance.policy.demo",
    "rotations.demo",
    "governance.duties.demo",
    "incidents.demo",
]


class Command(BaseCommand):
    help = "Create demo data (idempotent): an admin login and the demo people of every role."

    def add_arguments(self, parser):
        parser.add_argument(
            "--i-know-this-is-production",
            action="store_true",
            dest="production",
            help="Seed even with DEBUG=false (creates the admin/admin login).",
        )

    @transaction.atomic
    def handle(self, *args, production=False, **options):
        if settings.PORTAL_PRODUCTION and not production:
            # A known password on a superuser is an open door on a real deployment.
            raise CommandError(
                "seed_demo creates the login admin/admin and demo people; it refuses with "
                "DEBUG=false. Create the first real admin with `portal createsuperuser` "
                '(README "Production"), or pass --i-know-this-is-production.'
            )
        User = get_user_model()
        username, password = DEMO_ADMIN
        admin, created = User.objects.get_or_create(
            username=username,
            defaults={"email": "admin@example.com", "is_staff": True, "is_superuser": True},
        )
        if created:
            admin.set_password(password)
            admin.save()
        for name in DEMO_MODULES:
            importlib.import_module(name).seed(stdout=self.stdout)
        self.stdout.write(f"Demo admin: username {username!r}, password {password!r}")
