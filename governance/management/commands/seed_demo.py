import importlib

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

DEMO_ADMIN = ("admin", "admin")
# Each module exposes `seed(*, stdout)`; they run in this order (people first, then their shifts).
DEMO_MODULES = ["governance.policy.demo", "rotations.demo", "incidents.demo"]


class Command(BaseCommand):
    help = "Create demo data (idempotent): an admin login and the demo people of every role."

    @transaction.atomic
    def handle(self, *args, **options):
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
