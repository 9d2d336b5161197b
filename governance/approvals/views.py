"""Pages of the one approval mechanism: a request and its decision form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.views.decorators.http import require_POST

from governance.approvals import services as approvals
from governance.core.refusals import report_refusal
from governance.models import ApprovalRequest


@login_required
def approval(request, pk: int):
    """Any approval request: redirect to the page where it is decided (older links and lists
    point here)."""
    approval_request = get_object_or_404(ApprovalRequest, pk=pk)
    return redirect(approvals.approval_url(approval_request))


@login_required
@require_POST
def decide(request, pk: int):
    """Approve, veto/reject, or withdraw a veto on an approval request."""
    approval_request = get_object_or_404(ApprovalRequest, pk=pk)
    try:
        approvals.decide_approval(
            request=approval_request,
            actor=request.user,
            verdict=request.POST.get("verdict", ""),
            statement=request.POST.get("statement", ""),
            # D9 §6.2: a GA approver confirms their role's statement (the sign-off page's box).
            confirmed=request.POST.get("confirmed") in ("on", "true", "1"),
        )
    except ValidationError as error:
        report_refusal(request, error)
    else:
        messages.success(request, "Your decision is recorded.")
    return redirect("approvals:detail", pk)


app_name = "approvals"
urlpatterns = [
    path("<int:pk>/", approval, name="detail"),
    path("<int:pk>/decide/", decide, name="decide"),
]
