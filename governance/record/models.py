"""The tamper-evident record's own tables: the chain of entries, its head, daily checkpoints
and the outcome of each verification. Bookkeeping, not history-tracked: the chain is its own
history, and an edit of it is what verification detects."""

from django.db import models


class ChainHead(models.Model):
    """The one row (pk 1) holding the chain's last sequence number and hash.

    Every append locks it (`select_for_update`) inside the record's transaction, so concurrent
    writers take turns: no two entries share a number (no fork) and none is skipped (no gap).
    """

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self):
        return f"Record head #{self.seq}"


class ChainEntry(models.Model):
    """One chained record: its place in the chain, the digest of its canonical content and the
    link hash over that digest and the previous entry's hash (`governance.record.canonical`)."""

    seq = models.PositiveBigIntegerField(primary_key=True)
    record_type = models.CharField(max_length=80, help_text='e.g. "governance.approvaldecision".')
    record_id = models.PositiveBigIntegerField()
    digest = models.CharField(max_length=64, help_text="SHA-256 of the record's canonical content.")
    hash = models.CharField(max_length=64, help_text="SHA-256 link: seq, record, digest, previous.")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["seq"]
        verbose_name_plural = "chain entries"
        constraints = [
            # A record is chained once; verification's merge join reads this index in order.
            models.UniqueConstraint(fields=["record_type", "record_id"], name="chain_entry_once")
        ]

    def __str__(self):
        return f"#{self.seq} {self.record_type} {self.record_id}"


class ChainCheckpoint(models.Model):
    """The chain's head as of one day, mailed to the Owner and the SRE Lead and posted to the
    team channel: copies held outside the database that a rewrite of history cannot reach."""

    day = models.DateField(unique=True)
    seq = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-day"]

    def __str__(self):
        return f"Checkpoint {self.day}: #{self.seq} {self.hash[:12]}"


class ChainVerification(models.Model):
    """One run of the verification (command or daily sweep) and what it found."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    since = models.DateField(null=True, blank=True)
    ok = models.BooleanField()
    entries = models.PositiveBigIntegerField(default=0)
    records = models.PositiveBigIntegerField(default=0)
    breaks = models.PositiveIntegerField(default=0)
    first_break = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"Verification {self.started_at:%Y-%m-%d %H:%M}: {'ok' if self.ok else 'BROKEN'}"
