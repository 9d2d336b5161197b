"""The D9 policy as data: one model per D9 table, every row history-tracked.

Nothing elsewhere hard-codes what a D9 table says; it reads these rows. Role columns are foreign
keys to `Role`; where a D9 cell names several roles, each name is a row of a small "mention" model
(role, position, wording) so the order and the wording D9 prints ("Owner", "PM", "SRE Lead") are
data too, and the authority engine reads only the role.
"""

from django.db import models
from simple_history.models import HistoricalRecords


class PolicyModel(models.Model):
    """Base of every policy table: each change is kept by django-simple-history."""

    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True


class Wording(models.TextChoices):
    """Which of a role's names a D9 cell prints (D9 says "Ingestion Owner", "Owner", ...)."""

    NAME = "name", "Full name (e.g. Product Manager)"
    LABEL = "label", "Table label (e.g. PM)"
    SHORT = "short", "Short name (e.g. Owner)"


class Phase(models.TextChoices):
    """Rollout phases of D9 §6.1 (P4 is GA)."""

    P0 = "P0", "P0"
    P1 = "P1", "P1"
    P2 = "P2", "P2"
    P3 = "P3", "P3"
    P4 = "P4", "P4"


class Timing(models.TextChoices):
    """When an approval or a notification is due (D9 §5.1)."""

    NONE = "none", "No deadline"
    IMMEDIATE = "immediate", "Immediate"
    WITHIN = "within", "Within N minutes"
    ADVANCE = "advance", "N minutes in advance"
