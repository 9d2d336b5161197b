"""The person's own page of how the portal reaches them: contact methods, their state and their
failures (issue "Reaching people": failures visible per method on the person's profile)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from governance.notifications import selectors


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
