"""The person's own page of how the portal reaches them: contact methods, their state and their
failures (issue "Reaching people": failures visible per method on the person's profile)."""

import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from governance.models import DisplayZone
from governance.notifications import selectors, services


@login_required
def my_channels(request):
    return render(
        request,
        "governance/notifications/my_channels.html",
        {
            "methods": selectors.methods_of(request.user),
            "failures": selectors.recent_failures_of(request.user),
        },
    )


@login_required
def my_time_zone(request):
    """The zone I read times in (issue 12 point 9), beside how the portal reaches me."""
    error = ""
    if request.method == "POST":
        try:
            services.set_display_zone(
                actor=request.user, user=request.user, time_zone=request.POST.get("time_zone", "")
            )
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            messages.success(request, "Saved: times now show in your zone.")
            return redirect("my_time_zone")
    current = DisplayZone.objects.filter(user=request.user).first()
    return render(
        request,
        "governance/notifications/my_time_zone.html",
        {
            "current": current.time_zone if current else "",
            "portal_zone": settings.TIME_ZONE,
            "zones": sorted(zoneinfo.available_timezones()),
            "error": error,
        },
        status=400 if error else 200,
    )
