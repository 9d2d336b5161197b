from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from governance.models import ApiToken


class Command(BaseCommand):
    help = "Print a new API token for USER (shown once; only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the token is for, e.g. alertmanager.")

    def handle(self, *args, username, name, **options):
        try:
            user = get_user_model().objects.get(username=username, is_active=True)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No active user named {username!r}.") from None
        _, key = ApiToken.issue(user=user, name=name)
        self.stdout.write(key)
