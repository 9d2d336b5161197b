"""Typed readers for settings that come from the environment.

Each helper fails loudly: a bad value stops start-up with one line naming the variable,
instead of a traceback or, worse, a silent default.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(SystemExit):
    """Raised for a bad setting; SystemExit so start-up ends with the message alone."""

    def __init__(self, name: str, problem: str):
        super().__init__(f"Configuration error: {name} {problem}")


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise ConfigError(name, "is required but not set.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(name, f"must be true or false, got {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(name, f"must be a whole number, got {value!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_path(name: str, default: Path | None) -> Path | None:
    value = os.environ.get(name)
    return Path(value).resolve() if value else default


def env_database(name: str, default: str) -> dict:
    import dj_database_url

    url = os.environ.get(name) or default
    scheme = urlsplit(url).scheme
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ConfigError(name, f"must be a sqlite:// or postgres:// URL, got {url!r}.")
    try:
        # Persistent connections without Django's per-request health check: the check is one
        # more statement on every request (the kill-switch poll would be two statements, not
        # one; issue 16 point 6). A connection the server dropped fails that one request, and
        # Django then closes it (errors mark it unusable at the request's end), so the next
        # request reconnects.
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=False)
    except ValueError as error:
        raise ConfigError(name, f"is not a valid database URL ({error}).") from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        if not config.get("NAME"):
            raise ConfigError(name, "names no SQLite file.")
    elif not config.get("NAME"):
        raise ConfigError(name, "names no database.")
    return config


def env_url(name: str, default: str) -> str:
    value = os.environ.get(name) or default
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigError(name, f"must be an absolute http(s) URL, got {value!r}.")
    return value.rstrip("/")


def env_timezone(name: str, default: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    value = os.environ.get(name) or default
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            name, f"must be an IANA time zone such as Europe/London, got {value!r}."
        ) from None
    return value
