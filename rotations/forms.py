"""Forms of the rotation pages; errors in plain words next to their field."""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from rotations import schedule, selectors
from rotations.models import Handoff, Tier

# How far ahead the return-week select and the "next week" shortcut look.
RETURN_WEEKS = 12
NEXT_WEEK = "next"


class SwapRequestForm(forms.Form):
    """Ask a colleague to take one tier of yours, for a week or a time range (local time), and
    optionally take one of theirs in exchange: a week picked from a list, or dates."""

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
    return_week = forms.ChoiceField(
        label="In exchange, I take your week",
        required=False,
        help_text="Optional: a real swap. Pick a week in the same tier, or enter dates below.",
    )
    return_starts_at = forms.DateTimeField(
        label="In exchange, I take your shift from (local time)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    return_ends_at = forms.DateTimeField(
        label="until (local time)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    reason = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, rotation, user, week=None, **kwargs):
        """`week`: the week chosen on My shifts ("Ask for cover"), whose range and tier the
        form starts from; without it, the next week."""
        self.rotation = rotation
        initial = kwargs.setdefault("initial", {})
        now = datetime.datetime.now(datetime.UTC)
        if week is not None:
            start, end = week.starts_at, week.ends_at
            initial.setdefault(
                "tier", Tier.SECONDARY if week.secondary_id == user.pk else Tier.PRIMARY
            )
        else:
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
        self.weeks = {}
        choices = [
            ("", "No, just cover"),
            (NEXT_WEEK, "The colleague's next week in this tier (after the shift above)"),
        ]
        for week, primary, secondary, _overrides in selectors.effective_weeks(
            rotation, start=now, count=RETURN_WEEKS
        ):
            if week.starts_at <= now:
                continue
            self.weeks[str(week.pk)] = week
            names = (
                f"Primary {_name(primary)}, Secondary {_name(secondary)}"
                if primary or secondary
                else "nobody yet"
            )
            choices.append((str(week.pk), f"Week of {week.local_start():%a %d %b %H:%M}: {names}"))
        self.fields["return_week"].choices = choices

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

    def clean_return_starts_at(self):
        return self._local("return_starts_at")

    def clean_return_ends_at(self):
        return self._local("return_ends_at")

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", "The end must be after the start.")
        choice = data.get("return_week")
        if choice and (data.get("return_starts_at") or data.get("return_ends_at")):
            self.add_error("return_week", "Pick a week or enter dates below, not both.")
        elif choice == NEXT_WEEK:
            self._take_next_week(data)
        elif choice:
            week = self.weeks[choice]
            data["return_starts_at"], data["return_ends_at"] = week.starts_at, week.ends_at
        return data

    def _take_next_week(self, data) -> None:
        colleague, tier = data.get("colleague"), data.get("tier")
        if not (colleague and tier and data.get("starts_at") and data.get("ends_at")):
            return
        week = selectors.next_week_held(
            self.rotation,
            colleague,
            tier,
            start=datetime.datetime.now(datetime.UTC),
            avoid=(data["starts_at"], data["ends_at"]),
            count=RETURN_WEEKS,
        )
        if week is None:
            self.add_error(
                "return_week",
                f"{_name(colleague)} has no On-Call {Tier(tier).label} week in the next "
                f"{RETURN_WEEKS} weeks outside the shift above; enter dates instead.",
            )
            return
        data["return_starts_at"], data["return_ends_at"] = week.starts_at, week.ends_at

    def add_service_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for field, errors in error.message_dict.items():
                if field.startswith("return_") and self.cleaned_data.get("return_week"):
                    # The dates came from the week picked: say so next to the select.
                    field = "return_week"
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, error.messages)


def _name(user) -> str:
    if user is None:
        return "nobody"
    return user.get_full_name() or user.get_username()


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
