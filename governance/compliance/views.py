"""Compliance report pages: the month's figures (page and CSV) and the evidence pack.

Open to whom the authority engine allows "compliance.read" (D9 §2.1: the roles Responsible,
Accountable or Consulted for a review the report feeds, `governance/compliance/authority.py`);
a refusal is the styled 403 page with the engine's reason.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone

from governance import authority
from governance.compliance import report as compliance
from governance.core import inputs
from governance.core.spreadsheet import SpreadsheetSafeWriter
from incidents.models import Incident


def _require_reader(user) -> None:
    authority.require(user, "compliance.read")


def _month(request) -> tuple[int, int]:
    today = timezone.localdate()
    return inputs.month(request.GET, "month") or (today.year, today.month)


def _bars(report: compliance.Report) -> list[dict]:
    """Server-rendered SVG bar rows: label, percent, width in the 200-px bar."""
    bars = []
    for label, ratio in [
        ("Ladder steps on time", report.steps_on_time),
        ("Acks in response time", report.acks_in_time),
        ("Update slots met", report.updates_in_slot),
        ("P1 reviews on time", report.p1_reviews_on_time),
        ("Approvals in deadline", report.approvals_in_time),
        ("Long pauses approved", report.long_pauses_approved),
        ("Handoffs on time", report.handoffs_on_time),
        ("Duties done on time", report.duties_done),
    ]:
        percent = ratio.percent
        bars.append(
            {"label": label, "percent": percent, "width": 2 * (percent or 0), "y": 24 * len(bars)}
        )
    return bars


@login_required
def report(request):
    _require_reader(request.user)
    year, month = _month(request)
    start, end = compliance.month_bounds(year, month)
    result = compliance.build_report(start=start, end=end)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = (
            f'attachment; filename="compliance-{year}-{month:02d}.csv"'
        )
        SpreadsheetSafeWriter(response).writerows(compliance.report_rows(result))
        return response
    bars = _bars(result)
    return render(
        request,
        "governance/compliance/report.html",
        {
            "report": result,
            "month": f"{year}-{month:02d}",
            "year_number": year,
            "month_number": month,
            "bars": bars,
            "chart_height": 24 * len(bars),
            "incidents": [i for s in result.severities for i in s.incidents],
        },
    )


@login_required
def incident_pack(request, pk: int):

    _require_reader(request.user)
    incident = get_object_or_404(Incident.objects.select_related("severity"), pk=pk)
    response = HttpResponse(compliance.incident_evidence(incident), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="evidence-incident-{pk}.zip"'
    return response


@login_required
def month_pack(request, year: int, month: int):
    _require_reader(request.user)
    year, month = inputs.year_month("month", year, month)
    response = HttpResponse(
        compliance.month_evidence(year=year, month=month), content_type="application/zip"
    )
    response["Content-Disposition"] = f'attachment; filename="evidence-{year}-{month:02d}.zip"'
    return response


urlpatterns = [
    path("", report, name="report"),
    path("evidence/incident/<int:pk>.zip", incident_pack, name="incident_pack"),
    path("evidence/month/<int:year>-<int:month>.zip", month_pack, name="month_pack"),
]
