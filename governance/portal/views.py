from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from governance.notifications.outbox import stuck_mail
from governance.ops.sweeps import late_sweeps
from governance.portal import home
from governance.record.selectors import last_verification_text
from rotations.views import oncall_card_context


@login_required
def dashboard(request):
    """The home (issue 17 §1): your D9 roles now and until when, what waits on you with its
    action in place, then the team's state (each app's card)."""
    now = timezone.now()
    user = request.user
    oncall = oncall_card_context(now=now)
    record_ok, record_text = last_verification_text()
    return render(
        request,
        "governance/dashboard.html",
        {
            "now": now,
            "late_sweeps": late_sweeps(now=now),
            "delivery_problems": stuck_mail(now=now),
            "my_roles": home.roles_now(user, on_call=oncall["oncall"], at=now),
            "next_shift": home.next_shift(user, at=now),
            "waiting": home.waiting_on(user, at=now),
            **oncall,
            "record_health": {"ok": record_ok, "text": record_text},
        },
    )
