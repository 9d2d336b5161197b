"""The one way views read query and form values they do not pass through a Django form
(issue 18: no 500 from input). Each reader returns the value or raises `BadInput` naming the
field; `governance.core.middleware.InputGuard` turns it into a 400 (JSON for API clients)."""

import datetime

from django.utils import timezone

# Instants and dates the portal can reason about: D9 has no rule about year 1 or year 9999,
# and month/week arithmetic one step past either end overflows.
EARLIEST_YEAR = 1970
LATEST_YEAR = 2999


class BadInput(Exception):
    """A query or form value the portal cannot use; `field` names it, `message` says why."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _in_range(field: str, year: int) -> None:
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise BadInput(field, f"{field} must lie between {EARLIEST_YEAR} and {LATEST_YEAR}.")


def instant(data, field: str) -> datetime.datetime | None:
    """An ISO 8601 date and time (naive means the portal's zone), or None when absent."""
    text = data.get(field, "").strip()
    if not text:
        return None
    try:
        value = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise BadInput(field, f"{field} must be an ISO 8601 date and time.") from None
    _in_range(field, value.year)
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def date(data, field: str) -> datetime.date | None:
    """A YYYY-MM-DD date, or None when absent."""
    text = data.get(field, "").strip()
    if not text:
        return None
    try:
        value = datetime.date.fromisoformat(text)
    except ValueError:
        raise BadInput(field, f"{field} must be a date written YYYY-MM-DD.") from None
    _in_range(field, value.year)
    return value


def month(data, field: str) -> tuple[int, int] | None:
    """A YYYY-MM month as (year, month), or None when absent."""
    text = data.get(field, "").strip()
    if not text:
        return None
    try:
        value = datetime.datetime.strptime(text, "%Y-%m")
    except ValueError:
        raise BadInput(field, f"{field} must be a month written YYYY-MM.") from None
    return year_month(field, value.year, value.month)


def year_month(field: str, year: int, month_number: int) -> tuple[int, int]:
    """A (year, month) pair from a URL, checked."""
    if not 1 <= month_number <= 12:
        raise BadInput(field, f"{field}: there is no month {month_number}.")
    _in_range(field, year)
    return year, month_number


def integer(data, field: str) -> int | None:
    """A positive whole number (an id), or None when absent."""
    text = str(data.get(field, "")).strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise BadInput(field, f"{field} must be a whole number.")
    return int(text)
