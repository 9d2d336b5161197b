from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from governance.models import ContactMethod, Team
from governance.notifications import selectors, services


def _words(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())
    return " ".join(error.messages)


class Command(BaseCommand):
    help = (
        "Contact methods of people and channels of teams (Apprise URLs or mail addresses): "
        "add (tested before it is saved), list, test."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Add a method; a test message must reach it first.")
        owner = add.add_mutually_exclusive_group(required=True)
        owner.add_argument("--user", metavar="USERNAME")
        owner.add_argument("--team", metavar="SLUG")
        add.add_argument("url", metavar="APPRISE_URL", help="e.g. json://host/ or a mail address")
        add.add_argument("--name", help="Defaults to <owner>-<scheme>.")
        sub.add_parser("list", help="Every method, masked, with its delivery record.")
        test = sub.add_parser("test", help="Send a test message to a method now.")
        test.add_argument("name")

    def handle(self, *args, action, **options):
        getattr(self, f"handle_{action}")(**options)

    def handle_add(self, *, user, team, url, name, **options):
        owner_user = owner_team = None
        if user:
            owner_user = get_user_model().objects.filter(username=user, is_active=True).first()
            if owner_user is None:
                raise CommandError(f"No active user named {user!r}.")
        else:
            owner_team = Team.objects.filter(slug=team).first()
            if owner_team is None:
                raise CommandError(f"No team {team!r}; teams: {_team_slugs()}.")
        scheme = url.split("://", 1)[0] if "://" in url else "mail"
        name = name or f"{user or team}-{scheme}"
        try:
            method = services.add_contact_method(
                actor=None,
                at=timezone.now(),
                name=name,
                url=url,
                user=owner_user,
                team=owner_team,
            )
        except ValidationError as error:
            raise CommandError(f"Not added: {_words(error)}") from None
        self.stdout.write(f"Added {method.name} ({method.masked_url}); test message delivered.")

    def handle_list(self, **options):
        for method in selectors.contact_methods():
            verified = (
                f"verified {method.verified_at:%Y-%m-%d %H:%M}"
                if method.verified_at
                else "UNVERIFIED"
            )
            state = verified if method.active else "inactive"
            self.stdout.write(
                f"{method.name}\t{method.owner_label}\t{method.masked_url}\t{state}\t"
                f"sent {method.sent}, failed {method.failed}"
            )

    def handle_test(self, *, name, **options):
        method = ContactMethod.objects.filter(name=name).first()
        if method is None:
            raise CommandError(f"No contact method named {name!r}; see `channels list`.")
        reason = services.verify_contact_method(method=method, actor=None, at=timezone.now())
        if reason:
            raise CommandError(f"Test message to {method.masked_url} failed: {reason}")
        self.stdout.write(f"Test message delivered to {method.name} ({method.masked_url}).")


def _team_slugs() -> str:
    return ", ".join(Team.objects.values_list("slug", flat=True)) or "none"
