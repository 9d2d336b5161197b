from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from governance.models import RoleChangeRequest
from governance.policy import changes
from governance.policy.render import policy_blocks, render_policy_markdown, to_html_blocks


@login_required
def policy(request):
    """The D9 policy as it stands in the database, with the RACI grid (DESIGN: policy view)."""
    blocks = to_html_blocks(policy_blocks())
    return render(request, "governance/policy.html", {"blocks": blocks})


@login_required
def policy_markdown(request):
    """The same document as a Markdown download."""
    response = HttpResponse(render_policy_markdown(), content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="D9-roles-ownership-on-call.md"'
    return response


@login_required
def role_change(request, pk: int):
    """A proposed change of who holds a role, before and after, and the §9 decision form."""
    change = get_object_or_404(
        RoleChangeRequest.objects.select_related("requested_by", "approval"), pk=pk
    )
    return render(
        request,
        "governance/policy/role_change.html",
        {
            "change": change,
            "title": changes.describe(change),
            "rows": changes.compare(change),
            "approval": change.approval,
        },
    )
