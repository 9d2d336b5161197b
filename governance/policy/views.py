from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

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
