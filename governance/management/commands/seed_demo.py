import importlib

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

DEMO_ADMIN = ("admin", "admin")
# Each app that has demo data exposes `<app>.demo.seed(stdout)`; they run in this order.
DEMO_APPS = ["governance", "rotations", "incidents"]


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
        for app in DEMO_APPS:
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as error:
                if error.name != f"{app}.demo":
                    raise
                continue
            module.seed(stdout=self.stdout)
        self.stdout.write(f"Demo admin: username {username!r}, password {password!r}")
