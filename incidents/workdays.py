"""Working days for post-incident review deadlines (Monday to Friday, the portal's zone)."""

import datetime

from django.utils import timezone

# Reminders go out at the start of a working day, in the portal's time zone.
REMINDER_TIME = datetime.time(9, 0)


def add_working_days(day: datetime.date, count: int) -> datetime.date:
    """The date `count` working days after `day` (Saturday and Sunday do not count)."""
    while count > 0:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def working_day_start(day: datetime.date) -> datetime.datetime:
    """09:00 on `day` in the portal's zone, as an aware instant."""
    return timezone.make_aware(
        datetime.datetime.combine(day, REMINDER_TIME), timezone.get_default_timezone()
    )


def next_working_day_start(after: datetime.datetime) -> datetime.datetime:
    """09:00 on the next working day after the local date of `after`."""
    return working_day_start(add_working_days(timezone.localdate(after), 1))
