"""Pages of the policy what-if (D9 §9): drafts, their row edits and diff, the replay, and
proposing a draft with its report. Server-rendered forms; no JavaScript needed.

Open to whoever may propose a policy version (the Document Control roles, `policy.publish`).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from governance import authority
from governance.approvals import services as approvals
from governance.core import inputs
from governance.core.refusals import add_refusal_to_form, report_refusal
from governance.models import PolicyDraft
from governance.policy import drafts
from governance.whatif import services as whatif


class OpenDraftForm(forms.Form):
    title = forms.CharField(max_length=200, label="What the draft changes")


class PublishForm(forms.Form):
    version = forms.CharField(max_length=20, label="Version")
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    change_summary = forms.CharField(max_length=200, label="Change")
    since = forms.DateField(
        required=False,
        label="Replay since",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Default: the last 30 days.",
    )


def _require_drafter(user) -> None:
    authority.require(user, drafts.DRAFT_ACTION, at=timezone.now())


def _draft(request, pk: int) -> PolicyDraft:
    _require_drafter(request.user)
    return get_object_or_404(PolicyDraft, pk=pk)


@login_required
def draft_list(request):
    """The drafts, newest first, and a form to open one from the live policy."""
    _require_drafter(request.user)
    form = OpenDraftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            draft = drafts.open_draft(actor=request.user, title=form.cleaned_data["title"])
        except ValidationError as error:
            report_refusal(request, error)
        else:
            messages.success(request, f"Draft #{draft.pk} opened from the live policy.")
            return redirect("whatif:draft", draft.pk)
    return render(
        request,
        "governance/whatif/list.html",
        {"drafts": PolicyDraft.objects.select_related("created_by", "version"), "form": form},
    )


def _tables(draft: PolicyDraft) -> list[dict]:
    return [
        {
            "label": drafts.table_label(model),
            "name": str(model._meta.verbose_name_plural).capitalize(),
            "rows": drafts.instances(draft.tables, model),
        }
        for model in drafts.TABLES
    ]


@login_required
def draft_detail(request, pk: int):
    """A draft: its diff against the live tables, its rows to edit, the replay (`?since=`)
    and the form proposing it."""
    draft = _draft(request, pk)
    context = {
        "draft": draft,
        "diff": drafts.diff(draft.tables),
        "tables": _tables(draft),
        "publish_form": PublishForm(initial={"date": timezone.localdate()}),
        "signoff": approvals.request_for(target=draft.version) if draft.version_id else None,
    }
    if "replay" in request.GET:
        try:
            since = inputs.date(request.GET, "since")
            context["report"] = whatif.what_if(draft=draft, since=since).as_json(limit=200)
        except (ValidationError, inputs.BadInput) as error:
            context["replay_error"] = "; ".join(getattr(error, "messages", [str(error)]))
    return render(request, "governance/whatif/detail.html", context)


@login_required
def edit_row(request, pk: int, table: str, row: int):
    """One row of the draft in the admin's own form for that table."""
    draft = _draft(request, pk)
    try:
        model = drafts.table_model(table)
        form = drafts.draft_form(draft, model, row, request.POST or None)
    except ValidationError as error:
        report_refusal(request, error)
        return redirect("whatif:draft", draft.pk)
    status = 200
    if request.method == "POST":
        try:
            drafts.edit_draft_row(
                actor=request.user, draft=draft, table=table, pk=row, data=request.POST
            )
        except ValidationError as error:
            status = 400
            add_refusal_to_form(form, error)
        else:
            messages.success(
                request, f"{model._meta.verbose_name.capitalize()} changed in the draft."
            )
            return redirect("whatif:draft", draft.pk)
    context = {"draft": draft, "form": form, "model_name": model._meta.verbose_name, "row": row}
    return render(request, "governance/whatif/edit.html", context, status=status)


@login_required
@require_POST
def publish(request, pk: int):
    """D9 §9: propose the draft as a version, its replay attached to the approval request."""
    draft = _draft(request, pk)
    form = PublishForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            version = whatif.publish_draft(
                actor=request.user,
                draft=draft,
                version=data["version"],
                date=data["date"],
                change_summary=data["change_summary"],
                since=data["since"],
            )
        except (PermissionDenied, ValidationError) as error:
            report_refusal(request, error)
        else:
            messages.success(request, f"D9 v{version.version} proposed with the what-if report.")
            signoff = approvals.request_for(target=version)
            if signoff:
                return redirect("rollout:signoff", signoff.pk)
            return redirect("policy")
    else:
        for field, errors in form.errors.items():
            for text in errors:
                messages.error(request, f"{form.fields[field].label or field}: {text}")
    return redirect("whatif:draft", draft.pk)


urlpatterns = [
    path("", draft_list, name="list"),
    path("<int:pk>/", draft_detail, name="draft"),
    path("<int:pk>/rows/<str:table>/<int:row>/", edit_row, name="edit_row"),
    path("<int:pk>/publish/", publish, name="publish"),
]
