"""Health for orchestrators and operators: `GET /healthz` (liveness), `GET /readyz` (readiness)
and `manage.py portal_health` share these checks.

Liveness is cheap (the process answers and reaches its database): failing it means "restart me".
Readiness adds the broker and the sweeps (DESIGN "Heartbeat"): failing it means "do not send me
work", and an operator looks at which check failed.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.http import JsonResponse
from django.utils import timezone

from governance.notifications.outbox import stuck_mail
from governance.ops.sweeps import sweep_states
from governance.record.selectors import last_verification_text


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    parts: dict[str, str] | None = None  # the state of each part (each sweep), for operators
    # False: shown (and failing `portal_health`) but no reason to take a web process out of
    # service — another process would serve the same database.
    blocking: bool = True


def check_database(*, now: datetime) -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any driver error means the same thing here: not reachable
        return Check("database", False, f"{type(error).__name__}: {error}")
    return Check("database", True, connection.vendor)


def check_broker(*, now: datetime) -> Check:
    from governance.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as error:  # kombu raises per transport; all mean "not reachable"
        return Check("broker", False, f"{type(error).__name__}: {error}")
    return Check("broker", True, app.conf.broker_url.split("://", 1)[0])


def check_sweeps(*, now: datetime) -> Check:
    states = sweep_states(now=now)
    parts = {state.name: state.state for state in states}
    bad = [state for state in states if not state.healthy]
    if bad and all(state.state == "never scheduled" for state in states):
        return Check("sweeps", False, "No sweep has ever run: is Celery beat running?", parts)
    if bad:
        return Check("sweeps", False, " ".join(state.message for state in bad), parts)
    waiting = sum(state.state == "not yet due" for state in states)
    detail = f"{len(states)} sweep(s) on time" + (f", {waiting} not yet due" if waiting else "")
    return Check("sweeps", True, detail, parts)


def check_mail(*, now: datetime) -> Check:
    findings = stuck_mail(now=now)
    return Check("mail", not findings, " ".join(findings) or "no mail stuck")


def check_record(*, now: datetime) -> Check:
    """Issue 20: the last verification of the tamper-evident record."""
    ok, detail = last_verification_text()
    return Check("record", ok, detail, blocking=False)


LIVENESS: list[Callable[..., Check]] = [check_database]
READINESS: list[Callable[..., Check]] = [check_database, check_broker, check_sweeps, check_record]
# The command is for people and cron: it also reports mail that is stuck, which is no reason to
# take a web process out of service.
OPERATOR: list[Callable[..., Check]] = [*READINESS, check_mail]


def run_checks(checks: list[Callable[..., Check]], *, now: datetime) -> list[Check]:
    results = []
    for check in checks:
        result = check(now=now)
        results.append(result)
        if check is check_database and not result.ok:
            break  # every later check reads the database
    return results


def health_response(checks: list[Callable[..., Check]]) -> JsonResponse:
    results = run_checks(checks, now=timezone.now())
    healthy = all(result.ok for result in results if result.blocking)
    body = {
        "status": "ok" if healthy else "failing",
        "checks": {
            r.name: {"ok": r.ok, "detail": r.detail, **({"parts": r.parts} if r.parts else {})}
            for r in results
        },
    }
    response = JsonResponse(body, status=200 if healthy else 503)
    response["Cache-Control"] = "no-store"
    return response


class HealthMiddleware:
    """Answer /healthz and /readyz first: probes come by the process's own address over plain
    HTTP, which the host check (ALLOWED_HOSTS) and the HTTPS redirect would refuse."""

    PATHS = {"/healthz": LIVENESS, "/readyz": READINESS}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        checks = self.PATHS.get(request.path_info.rstrip("/"))
        if checks is not None and request.method in {"GET", "HEAD"}:
            return health_response(checks)
        return self.get_response(request)
