"""Benchmark: "who is on call now" and the month grids with 200 rotations × 5 years of weeks.

Seeds its own database (a fresh SQLite file under /tmp unless DATABASE_URL is set), then prints
the time and the query count of `on_call_at(now)`, of a rotation's month grid and of a
person's (one month and three).
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

boot.start()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from rotations import schedule, selectors  # noqa: E402
from rotations.models import Override, RosterMember, Rotation, RotationWeek  # noqa: E402

ROTATIONS, YEARS, ROSTER = 200, 5, 6


def seed():
    User = get_user_model()
    users = User.objects.bulk_create(
        [User(username=f"bench{i}", email=f"bench{i}@example.com") for i in range(40)]
    )
    viewer = User.objects.create_user("viewer", password="pw")
    now = timezone.now()
    start = now - datetime.timedelta(weeks=52 * YEARS - 8)
    for r in range(ROTATIONS):
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
    return viewer


def measure(label, func, repeat=20):
    func()
    queries = []
    # execute_wrapper, not connection.queries: a request resets the query log when it starts.
    with connection.execute_wrapper(
        lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)
    ):
        func()
    started = time.perf_counter()
    for _ in range(repeat):
        func()
    elapsed = (time.perf_counter() - started) / repeat * 1000
    print(f"{label}: {elapsed:.2f} ms, {len(queries)} queries")


def main():
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    viewer = seed()
    print(
        f"seeded {Rotation.objects.count()} rotations, {RotationWeek.objects.count()} weeks, "
        f"{Override.objects.count()} overrides in {time.perf_counter() - started:.1f} s "
        f"({connection.vendor})"
    )
    reset_queries()
    now = timezone.now()
    measure("who is on call now (policy rotation)", lambda: selectors.on_call_at(now))
    some = Rotation.objects.get(slug="rotation-137")
    measure("who is on call now (rotation-137)", lambda: selectors.on_call_at(now, rotation=some))
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(viewer)

    def page(path):
        response = client.get(path)
        assert response.status_code == 200, response.status_code

    for months in (1, 3):
        path = f"/rotations/rotation-137/?months={months}"
        measure(f"month grid {path}", lambda path=path: page(path))
    # A person on the rosters of 30 of the 200 rotations: their own month grid.
    client.force_login(get_user_model().objects.get(username="bench7"))
    for months in (1, 3):
        path = f"/rotations/mine/calendar/?months={months}"
        measure(f"my month grid {path}", lambda path=path: page(path))


if __name__ == "__main__":
    main()
