"""Demo rotation for `seed_demo` (idempotent): `ingestion`, Europe/London, four engineers with
readiness attested, weeks from yesterday on (D9 §3.2) so the demo incidents of the last
hours find who was on call."""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from governance.models import OnCallExpectation
from rotations import reminders, services
from rotations.models import Rotation

DEMO_PASSWORD = "demo"
ENGINEERS = {
    "ana": ("Ana", "Alvarez"),
    "ben": ("Ben", "Brooks"),
    "cai": ("Cai", "Chen"),
    "dee": ("Dee", "Doyle"),
}


@transaction.atomic
def seed(*, stdout) -> None:
    User = get_user_model()
    engineers = []
    for username, (first, last) in ENGINEERS.items():
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
            services.attest_readiness(
                actor=user, user=user, expectations=OnCallExpectation.objects.all()
            )
        engineers.append(user)
    rotation = Rotation.objects.filter(slug="ingestion").first()
    if rotation is None:
        rotation = services.create_rotation(
            actor=None,
            name="Ingestion",
            slug="ingestion",
            time_zone="Europe/London",
            members=engineers,
            is_policy_rotation=not Rotation.objects.filter(is_policy_rotation=True).exists(),
        )
    now = timezone.now()
    services.generate_weeks(
        rotation=rotation,
        actor=None,
        start=now - datetime.timedelta(days=1),
        until=now + datetime.timedelta(weeks=8),
    )
    reminders.keep_generated(now=now)
    stdout.write(
        f"Rotation ingestion: engineers {', '.join(ENGINEERS)} (password {DEMO_PASSWORD!r})"
    )
