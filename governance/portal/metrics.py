"""GET /metrics: the portal's own state in the Prometheus text format, for the monitoring that
watches the portal (a stopped beat, stuck mail, a pause left on, incidents nobody acknowledged).

Every value is read from the database at scrape time by one collector, so any number of web
processes answer the same figures (no per-process counters to aggregate). Built with the
official `prometheus_client` library, which owns the exposition format.
"""

from django.conf import settings
from django.db.models import BooleanField, Count, ExpressionWrapper, Q
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from governance.models import KillSwitchActivation, Notification, SweepHeartbeat, Workspace
from governance.ops.tokens import user_from_bearer
from incidents.models import Incident, IntegrationStats


class PortalCollector:
    """The figures of D9's running system, one query per family."""

    def collect(self):
        yield self.open_incidents()
        yield self.kill_switch()
        yield self.sweeps()
        yield self.outbox()
        yield self.alerts()

    def open_incidents(self):
        family = GaugeMetricFamily(
            "portal_open_incidents",
            "Open incidents by D9 severity and whether anyone acknowledged them.",
            labels=["severity", "acknowledged"],
        )
        rows = (
            Incident.objects.exclude(status=Incident.Status.RESOLVED)
            .annotate(
                acked=ExpressionWrapper(
                    Q(acknowledged_at__isnull=False), output_field=BooleanField()
                )
            )
            .values("severity__key", "acked")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in rows:
            family.add_metric([row["severity__key"], str(bool(row["acked"])).lower()], row["n"])
        return family

    def kill_switch(self):
        family = GaugeMetricFamily(
            "portal_kill_switch_paused",
            "1 while ingestion is paused for the scope (global or a workspace slug).",
            labels=["scope"],
        )
        active = set(
            KillSwitchActivation.objects.filter(
                status=KillSwitchActivation.Status.ACTIVE
            ).values_list("scope_key", flat=True)
        )
        for scope in ["global", *Workspace.objects.order_by("slug").values_list("slug", flat=True)]:
            family.add_metric([scope], 1 if scope in active else 0)
        return family

    def sweeps(self):
        family = GaugeMetricFamily(
            "portal_sweep_seconds_since_last_run",
            "Seconds since each periodic sweep last finished (a stopped beat grows it).",
            labels=["sweep"],
        )
        now = timezone.now()
        for name, finished in SweepHeartbeat.objects.values_list("name", "last_finished_at"):
            if finished is not None:
                family.add_metric([name], (now - finished).total_seconds())
        return family

    def outbox(self):
        family = GaugeMetricFamily(
            "portal_outbox_notifications",
            "Notifications waiting in the outbox (pending) or given up on (failed).",
            labels=["status"],
        )
        wanted = (Notification.Status.PENDING, Notification.Status.FAILED)
        counts = dict(
            Notification.objects.filter(status__in=wanted)
            .values_list("status")
            .annotate(n=Count("id"))
            .order_by()
        )
        for status in wanted:
            family.add_metric([status], counts.get(status, 0))
        return family

    def alerts(self):
        family = CounterMetricFamily(
            "portal_alerts_received",
            "Alert deliveries per integration: accepted (2xx), deduplicated among them, refused.",
            labels=["integration", "outcome"],
        )
        for stats in IntegrationStats.objects.select_related("integration").order_by("pk"):
            name = stats.integration.name
            family.add_metric([name, "accepted"], stats.accepted)
            family.add_metric([name, "deduplicated"], stats.deduplicated)
            family.add_metric([name, "refused"], stats.refused)
        return family


REGISTRY = CollectorRegistry(auto_describe=False)
REGISTRY.register(PortalCollector())


@require_GET
def metrics(request):
    """Prometheus scrape endpoint: from an address in METRICS_ALLOWED_ADDRESSES, or with any
    valid API token (`Authorization: Bearer`, Prometheus' `authorization` option)."""
    allowed = request.META.get("REMOTE_ADDR", "") in settings.METRICS_ALLOWED_ADDRESSES
    if not allowed and user_from_bearer(request) is None:
        response = JsonResponse(
            {"error": "A valid Bearer API token or an allowed address is required."}, status=401
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)
