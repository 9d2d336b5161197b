"""Duty pages (D9 §2.1 Steady State) and the launch checklist (Pre-Launch, Launch).

Thin callers: the authority engine decides, governance.duties and governance.launch execute.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from governance import authority
from governance.core.refusals import report_refusal
from governance.duties import services as duties
from governance.models import (
    DutyInstance,
    Health,
)


@login_required
def duty_list(request):
    """Recent duty instances of every Steady State duty, mine first."""
    now = timezone.now()
    instances = (
        DutyInstance.objects.filter(due_at__lte=now)
        .select_related("schedule__activity", "assignee", "check_in")
        .order_by("-due_at")[:100]
    )
    return render(
        request,
        "governance/duties/list.html",
        {"instances": instances, "mine": duties.duties_of(request.user, now=now)},
    )


@login_required
def duty_detail(request, pk: int):
    instance = get_object_or_404(
        DutyInstance.objects.select_related(
            "schedule__activity", "assignee", "responsible_role", "check_in__person"
        ),
        pk=pk,
    )
    now = timezone.now()
    return render(
        request,
        "governance/duties/detail.html",
        {
            "instance": instance,
            "comments": instance.comments.select_related("author", "role"),
            "raci": duties.raci(instance.schedule.activity),
            "may_check_in": authority.decide(request.user, "duty.check_in", obj=instance, at=now),
            "may_comment": authority.decide(request.user, "duty.comment", obj=instance, at=now),
            "health_choices": Health.choices,
        },
    )


@login_required
@require_POST
def duty_check_in(request, pk: int):
    instance = get_object_or_404(DutyInstance, pk=pk)
    try:
        duties.check_in(
            instance=instance,
            actor=request.user,
            note=request.POST.get("note", ""),
            health=request.POST.get("health", ""),
        )
    except ValidationError as error:
        report_refusal(request, error)
    else:
        messages.success(request, "Checked in.")
    return redirect("duties:detail", pk)


@login_required
@require_POST
def duty_comment(request, pk: int):
    instance = get_object_or_404(DutyInstance, pk=pk)
    try:
        duties.comment(instance=instance, actor=request.user, text=request.POST.get("text", ""))
    except ValidationError as error:
        report_refusal(request, error)
    else:
        messages.success(request, "Comment added.")
    return redirect("duties:detail", pk)


duty_urls = [
    path("", duty_list, name="list"),
    path("<int:pk>/", duty_detail, name="detail"),
    path("<int:pk>/check-in/", duty_check_in, name="check_in"),
    path("<int:pk>/comment/", duty_comment, name="comment"),
]
