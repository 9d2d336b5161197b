"""D9 §1: the roles, how each is held, and who holds the static ones (§1.3)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from governance.policy.models.base import PolicyModel, Wording


class Role(PolicyModel):
    """A D9 role (§1.1 technical, §1.2 business) or a collective notion used in D9 tables."""

    class Category(models.TextChoices):
        TECHNICAL = "technical", "Technical (D9 §1.1)"
        BUSINESS = "business", "Business (D9 §1.2)"
        COLLECTIVE = "collective", "Collective notion (not listed in §1)"

    class Notion(models.TextChoices):
        ASSIGNED = "assigned", "Assigned (primary and backup, D9 §1.3)"
        ROTATION = "rotation", "On-call rotation tier (D9 §3.2)"
        ON_CALL = "on_call", "On-Call: whoever is Primary or Secondary"
        ANYONE = "anyone", "Anyone: any active user"
        ALL_STAKEHOLDERS = "all_stakeholders", "All stakeholders"

    key = models.SlugField(
        max_length=50, unique=True, help_text="Stable key the code uses, e.g. ingestion_owner."
    )
    name = models.CharField(max_length=100, help_text='Full name, as in D9 §1: "Product Manager".')
    label = models.CharField(
        max_length=100, help_text='Name in most D9 tables, e.g. "PM" in the RACI header.'
    )
    short_name = models.CharField(
        max_length=100, help_text='Shortest name D9 uses, e.g. "Owner" in §5.1 and §8.'
    )
    category = models.CharField(max_length=20, choices=Category.choices)
    notion = models.CharField(
        max_length=20,
        choices=Notion.choices,
        help_text="How the portal finds who holds this role at a given time.",
    )
    responsibility = models.CharField(
        max_length=200, blank=True, help_text='D9 §1.1/1.2 "Responsibility" column.'
    )
    authority = models.CharField(
        max_length=200, blank=True, help_text='D9 §1.1/1.2 "Authority" column.'
    )
    listed_in_assignments = models.BooleanField(
        default=False, help_text="Listed in the D9 §1.3 Role Assignments table."
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in D9 tables.")
    approval_response_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Deadline of an approval by this role where D9 names none (issue 12: the "
        "approver's §3.1 response time). Empty: the response time of the role's §3.1 tier.",
    )

    class Meta:
        ordering = ["position", "key"]

    def __str__(self):
        return self.name

    def word(self, wording: str = Wording.LABEL) -> str:
        """The name a D9 cell prints for this role in the given wording."""
        return {Wording.NAME: self.name, Wording.SHORT: self.short_name}.get(wording, self.label)


class RoleMention(PolicyModel):
    """One role named in a multi-role D9 cell, in order, with the wording D9 prints."""

    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0, help_text="Order within the cell.")
    wording = models.CharField(max_length=10, choices=Wording.choices, default=Wording.LABEL)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self):
        return self.role.word(self.wording)


class RoleAssignment(PolicyModel):
    """D9 §1.3: who is primary and backup for a static role, over a validity period."""

    role = models.ForeignKey(
        Role,
        on_delete=models.PROTECT,
        related_name="assignments",
        limit_choices_to={"notion": Role.Notion.ASSIGNED},
    )
    primary = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="primary_assignments"
    )
    backup = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="backup_assignments",
        help_text="D9 §1.3 Backup. Acts while the primary is unavailable.",
    )
    valid_from = models.DateField()
    valid_to = models.DateField(
        null=True, blank=True, help_text="Last day (inclusive); empty: open."
    )
    primary_unavailable_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="While this is in the future, the backup acts for the role.",
    )

    class Meta:
        ordering = ["role__position", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(backup__isnull=True) | ~Q(primary=F("backup")),
                name="role_assignment_primary_is_not_backup",
                violation_error_message="The primary and the backup must be different people.",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="role_assignment_valid_to_after_valid_from",
                violation_error_message="The validity must end on or after its start.",
            ),
        ]
        indexes = [
            # role_holders(): the assignment of a role valid at a date.
            models.Index(fields=["role", "valid_from"], name="role_assignment_role_from"),
        ]

    def __str__(self):
        return f"{self.role}: {self.primary} / {self.backup or '—'}"

    def backup_acts(self, at) -> bool:
        """DESIGN "Who holds a role at time T": the backup acts while the primary is marked
        unavailable (D9 §1.3). The one place this rule is written."""
        unavailable = self.primary_unavailable_until
        return bool(self.backup_id and unavailable and unavailable > at)

    def acting_holder(self, at):
        """The person acting for the role at `at`: the backup while it acts, else the primary."""
        return self.backup if self.backup_acts(at) else self.primary

    def clean(self):
        if self.backup_id and self.backup_id == self.primary_id:
            raise ValidationError(
                {"backup": "The primary and the backup must be different people (D9 §1.3)."}
            )
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": "The validity must end on or after its start."})
        if self.role_id and self.valid_from:
            overlapping = RoleAssignment.objects.filter(role_id=self.role_id).exclude(pk=self.pk)
            overlapping = overlapping.filter(
                Q(valid_to__isnull=True) | Q(valid_to__gte=self.valid_from)
            )
            if self.valid_to:
                overlapping = overlapping.filter(valid_from__lte=self.valid_to)
            if overlapping.exists():
                raise ValidationError(
                    "Another assignment of this role overlaps these dates; "
                    "end it before this one starts."
                )
