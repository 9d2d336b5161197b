"""Benchmark: "who is on call now" and the month grids with 2 rotations × 5 years of weeks per
size (100×: 200 rotations, 52 000 weeks).

Seeds its own database (a fresh SQLite file under /tmp unless DATABASE_URL is set), then, at
each size of BENCH_SIZES, times and counts the queries of `on_call_at(now)`, of a rotation's
month grid and of a person's (one month and three); one table (bench/table.py).
Seeding writes rows with bulk_create (a benchmark fixture, not an audited change).

    .venv/bin/python bench/oncall.py
"""

import datetime
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import boot  # noqa: E402
from bench.table import SIZES, Table, measure  # noqa: E402

boot.start()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from rotations import schedule, selectors  # noqa: E402
from rotations.models import Override, RosterMember, Rotation, RotationWeek  # noqa: E402

ROTATIONS, YEARS, ROSTER = 2, 5, 6  # rotations per size


def seed_people():
    User = get_user_model()
    users = User.objects.bulk_create(
        [User(username=f"bench{i}", email=f"bench{i}@example.com") for i in range(40)]
    )
    return users, User.objects.create_user("viewer", password="pw")


def seed_rotations(users, count: int):
    """Rotations until there are `count`."""
    now = timezone.now()
    start = now - datetime.timedelta(weeks=52 * YEARS - 8)
    for r in range(Rotation.objects.count(), count):
        rotation = Rotation.objects.create(
            name=f"Rotation {r}",
            slug=f"rotation-{r}",
            is_policy_rotation=(r == 0),
            time_zone=("Europe/London", "America/New_York")[r % 2],
        )
        roster = [users[(r + k) % len(users)] for k in range(ROSTER)]
        RosterMember.objects.bulk_create(
            [RosterMember(rotation=rotation, user=u, position=i) for i, u in enumerate(roster)]
        )
        first = schedule.rotation_handoff_on_or_before(rotation, start)
        weeks, overrides = [], []
        for i, (begin, end) in enumerate(
            schedule.handoffs(first, 52 * YEARS, at=rotation.handoff_time, zone=rotation.zone)
        ):
            primary, secondary = roster[i % ROSTER], roster[(i + 1) % ROSTER]
            weeks.append(
                RotationWeek(
                    rotation=rotation,
                    starts_at=begin,
                    ends_at=end,
                    primary=primary,
                    secondary=secondary,
                )
            )
            if i % 4 == 0:
                overrides.append(
                    Override(
                        rotation=rotation,
                        tier="primary",
                        starts_at=begin + datetime.timedelta(days=1),
                        ends_at=begin + datetime.timedelta(days=2),
                        user=roster[(i + 2) % ROSTER],
                        replaces=primary,
                    )
                )
        RotationWeek.objects.bulk_create(weeks, batch_size=500)
        Override.objects.bulk_create(overrides, batch_size=500)


def main():
    boot.migrate()
    users, viewer = seed_people()
    table = Table("oncall")
    now = timezone.now()
    for size in SIZES:
        started = time.perf_counter()
        seed_rotations(users, ROTATIONS * size)
        print(
            f"size {size}x: {Rotation.objects.count()} rotations, "
            f"{RotationWeek.objects.count()} weeks, {Override.objects.count()} overrides, "
            f"seeded in {time.perf_counter() - started:.1f} s ({connection.vendor})"
        )
        table.add(
            "who is on call now (policy rotation)", size, measure(lambda: selectors.on_call_at(now))
        )
        # The rotation seeded last, so its weeks sit among all the others.
        some = Rotation.objects.order_by("-pk").first()
        table.add(
            "who is on call now (one rotation)",
            size,
            measure(lambda some=some: selectors.on_call_at(now, rotation=some)),
        )
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(viewer)

        def page(path, client=client):
            response = client.get(path)
            assert response.status_code == 200, response.status_code

        for months in (1, 3):
            path = f"/rotations/{some.slug}/?months={months}"
            table.add(
                f"rotation month grid, {months} month(s)", size, measure(lambda p=path: page(p))
            )
        # A person on the rosters of 15 % of the rotations: their own month grid.
        client.force_login(users[7])
        for months in (1, 3):
            path = f"/rotations/mine/calendar/?months={months}"
            table.add(f"my month grid, {months} month(s)", size, measure(lambda p=path: page(p)))
    table.print()


if __name__ == "__main__":
    main()
