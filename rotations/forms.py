"""Forms of the rotation pages; errors in plain words next to their field."""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from rotations import schedule
from rotations.models import Handoff, Tier


class SwapRequestForm(forms.Form):
    """Ask a colleague to take one tier of yours, for a week or a time range (local time)."""

    tier = forms.ChoiceField(choices=Tier.choices, initial=Tier.PRIMARY)
    colleague = forms.ModelChoiceField(queryset=get_user_model().objects.none())
    starts_at = forms.DateTimeField(
        label="From (local time)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Leave the times at the handoff to swap a whole week.",
    )
    ends_at = forms.DateTimeField(
        label="Until (local time)", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    reason = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, rotation, user, **kwargs):
        self.rotation = rotation
        initial = kwargs.setdefault("initial", {})
        now = datetime.datetime.now(datetime.UTC)
        start = schedule.rotation_next_handoff(
            rotation, schedule.rotation_handoff_on_or_before(rotation, now)
        )
        end = schedule.rotation_next_handoff(rotation, start)
        zone = rotation.zone
        initial.setdefault("starts_at", start.astimezone(zone).strftime("%Y-%m-%dT%H:%M"))
        initial.setdefault("ends_at", end.astimezone(zone).strftime("%Y-%m-%dT%H:%M"))
        super().__init__(*args, **kwargs)
        self.fields["colleague"].queryset = (
            get_user_model()
            .objects.filter(rosters__rotation=rotation, rosters__active=True, is_active=True)
            .exclude(pk=user.pk)
            .order_by("first_name", "last_name")
        )
        self.fields["colleague"].label_from_instance = lambda u: u.get_full_name() or u.username

    def _local(self, name):
        value = self.cleaned_data.get(name)
        if value is None:
            return None
        # The form reads wall-clock times of the rotation's zone, not of the portal's.
        return schedule.to_utc(value.date(), value.time(), self.rotation.zone)

    def clean_starts_at(self):
        return self._local("starts_at")

    def clean_ends_at(self):
        return self._local("ends_at")

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", "The end must be after the start.")
        return data

    def add_service_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for field, errors in error.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, error.messages)


class HandoffNotesForm(forms.ModelForm):
    class Meta:
        model = Handoff
        fields = ["status_summary", "ongoing_issues"]
        widgets = {
            "status_summary": forms.Textarea(attrs={"rows": 3}),
            "ongoing_issues": forms.Textarea(attrs={"rows": 3}),
        }


class ReadinessForm(forms.Form):
    expectations = forms.ModelMultipleChoiceField(
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Tick at least one expectation you can attest today."},
    )

    def __init__(self, *args, expectations, **kwargs):
        super().__init__(*args, **kwargs)
        from governance.models import OnCallExpectation

        self.fields["expectations"].queryset = OnCallExpectation.objects.all()
        self.fields["expectations"].label_from_instance = lambda e: (
            f"{e.expectation}: {e.requirement}"
        )
