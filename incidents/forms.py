"""Forms of the incident pages; the rules themselves live in services and authority rules."""

from django import forms
from django.contrib.auth import get_user_model
from django.core import validators

from governance.models import Severity, Workspace
from incidents.authority import client_rules
from incidents.models import ClientCommunication, Incident


class DeclareForm(forms.Form):
    # One-time token of this form (a fresh one per GET): sent twice, it opens one incident.
    declare_token = forms.RegexField(
        regex=r"^[0-9a-f]{32}$",
        widget=forms.HiddenInput,
        error_messages={"required": "Reload the page: the form lost its one-time token."},
    )
    title = forms.CharField(max_length=200)
    severity = forms.ModelChoiceField(
        queryset=Severity.objects.order_by("position"), to_field_name="key", empty_label=None
    )
    impact = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="Brief.")
    workspace = forms.ModelChoiceField(
        queryset=Workspace.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label="Global (every workspace)",
        help_text="The affected workspace.",
    )
    client_facing = forms.BooleanField(required=False)
    review_required = forms.BooleanField(
        required=False, label="Hold a post-incident review (always for a P1)"
    )


class UpdateForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            (Incident.Status.INVESTIGATING, "investigating"),
            (Incident.Status.MITIGATING, "mitigating"),
        ]
    )
    findings = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    next_steps = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    next_update_in = forms.IntegerField(min_value=1, label="Next update in (minutes)")

    def __init__(self, *args, cadence_minutes: int, **kwargs):
        """D9 §7.1 "Every 30 min": the policy cadence is the default and the most allowed."""
        super().__init__(*args, **kwargs)
        field = self.fields["next_update_in"]
        field.initial = cadence_minutes
        field.widget.attrs["max"] = cadence_minutes
        field.validators.append(
            validators.MaxValueValidator(
                cadence_minutes,
                f"At most {cadence_minutes} minutes: D9 §7.1 asks for an update every "
                f"{cadence_minutes} min.",
            )
        )


class ResolveForm(forms.Form):
    root_cause = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    resolution = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="What fixed it")
    follow_up_needed = forms.BooleanField(required=False)


class SeverityForm(forms.Form):
    severity = forms.ModelChoiceField(
        queryset=Severity.objects.order_by("position"), to_field_name="key", empty_label=None
    )


class ReviewForm(forms.Form):
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))


class ClientCommForm(forms.Form):
    rule = forms.ModelChoiceField(
        queryset=client_rules(),
        empty_label=None,
        label="D9 §7.2 event",
        help_text="An outage communication needs the PM and the Owner to approve.",
    )
    title = forms.CharField(max_length=200, label="Headline clients read")
    public_status = forms.ChoiceField(
        choices=ClientCommunication.PublicStatus.choices, label="Status for clients"
    )
    status_page_text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    email_text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))


class FactorForm(forms.Form):
    description = forms.CharField(
        label="Contributing factor", widget=forms.Textarea(attrs={"rows": 2})
    )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class ActionItemForm(forms.Form):
    summary = forms.CharField(label="Action", max_length=300)
    assignee = PersonChoiceField(
        label="Owner",
        empty_label="Choose the owner",
        queryset=get_user_model().objects.filter(is_active=True).order_by("first_name", "username"),
        to_field_name="username",
    )
    due_on = forms.DateField(label="Due on", widget=forms.DateInput(attrs={"type": "date"}))


class SignOffForm(forms.Form):
    verdict = forms.ChoiceField(
        label="Decision",
        choices=[("approve", "Sign off the review"), ("veto", "Send it back for rework")],
        widget=forms.RadioSelect,
    )
    statement = forms.CharField(
        label="Statement (required to send it back)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class EscalateForm(forms.Form):
    """D9 §1.1 "Pause, escalate, page secondary"; the service decides and validates."""

    target = forms.ChoiceField(
        choices=[
            ("secondary", "Page the On-Call Secondary"),
            ("next_tier", "Page the next tier (D9 §3.1)"),
            ("responder", "Add a named responder"),
        ]
    )
    responder = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        to_field_name="username",
        required=False,
        help_text="Only for “Add a named responder”.",
    )
