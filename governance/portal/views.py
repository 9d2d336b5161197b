from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from governance.notifications.outbox import stuck_mail
from governance.ops.sweeps import late_sweeps
from governance.record.selectors import last_verification_text
from rotations.views import oncall_card_context


@login_required
def dashboard(request):
    """My dashboard: each app adds its cards as the features land."""
    now = timezone.now()
    record_ok, record_text = last_verification_text()
    return render(
        request,
        "governance/dashboard.html",
        {
            "now": now,
            "late_sweeps": late_sweeps(now=now),
            "delivery_problems": stuck_mail(now=now),
            "record_health": {"ok": record_ok, "text": record_text},
            **oncall_card_context(now=now),
        },
    )
