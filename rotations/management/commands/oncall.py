"""`manage.py oncall [--at ISO] [--rotation SLUG] [--json]`: who holds each D9 §3.1 tier."""

import datetime
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from rotations import selectors
from rotations.models import Rotation
from rotations.views import on_call_json


class Command(BaseCommand):
    help = "Who is On-Call Primary, Secondary and Ingestion Owner at a time (default: now)."

    def add_arguments(self, parser):
        parser.add_argument("--at", help="ISO 8601 instant, e.g. 2025-03-31T09:00+01:00.")
        parser.add_argument("--rotation", help="Rotation slug (default: the D9 policy rotation).")
        parser.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args, **options):
        at = timezone.now()
        if options["at"]:
            try:
                at = datetime.datetime.fromisoformat(options["at"])
            except ValueError as error:
                raise CommandError(f"--at must be an ISO 8601 date and time: {error}") from error
            if timezone.is_naive(at):
                at = timezone.make_aware(at)
        rotation = None
        if options["rotation"]:
            rotation = Rotation.objects.filter(slug=options["rotation"]).first()
            if rotation is None:
                raise CommandError(f"No rotation with slug {options['rotation']!r}.")
        on_call = selectors.on_call_at(at, rotation=rotation)
        data = on_call_json(on_call)
        if options["json"]:
            self.stdout.write(json.dumps(data, indent=2))
            return
        name = on_call.rotation.name if on_call.rotation else "no rotation"
        self.stdout.write(f"On call at {at.isoformat()} ({name}):")
        tiers = selectors.tiers()
        for key in selectors.TIER_KEYS:
            person = data[key]
            tier = tiers.get(key)
            label = tier.name if tier else key
            response = f", responds within {tier.response_minutes} min" if tier else ""
            if person is None:
                self.stdout.write(f"  {label}: nobody{response}")
                continue
            until = f" until {person['until']}" if person["until"] else ""
            self.stdout.write(f"  {label}: {person['name']} <{person['email']}>{until}{response}")
