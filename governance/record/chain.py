"""The chained records' registry and the one way a record enters the chain (issue 20).

A model is chained by inheriting `ChainedRecord` (its save, delete and queryset go through this
module) and by `register_chained(model, fields=…)` from its app's ready(): `fields` are the
canonical content (`governance.record.canonical`), frozen once chained. A record is appended in
the transaction that saves it, after its insert, under the lock of the chain's head row, so
concurrent writers on PostgreSQL take turns and the chain has neither forks nor gaps.

Bulk paths: `bulk_create` appends every created row under one lock; `update` and `bulk_update`
of a chained field, and every delete, are refused.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models, router, transaction
from django.db.models.signals import pre_delete
from django.utils import timezone

from governance.record import canonical
from governance.record.models import ChainEntry, ChainHead


@dataclass(frozen=True)
class Chained:
    model: type[models.Model]
    fields: tuple[str, ...]
    # Which rows are records: e.g. a policy version once published, never a draft.
    when: Callable[[models.Model], bool] | None
    where: models.Q | None

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def attnames(self) -> tuple[str, ...]:
        return tuple(self.model._meta.get_field(name).attname for name in self.fields)

    def is_record(self, obj) -> bool:
        return self.when is None or self.when(obj)

    def records(self) -> models.QuerySet:
        """Every row that must be in the chain (verification's side of the join)."""
        queryset = self.model._base_manager.all()
        return queryset.filter(self.where) if self.where is not None else queryset


CHAINED: dict[str, Chained] = {}


def _refuse_delete(sender, instance, **kwargs):
    raise ValidationError("Chained records are never deleted.")


def register_chained(
    model: type[models.Model],
    *,
    fields: Iterable[str],
    when: Callable[[models.Model], bool] | None = None,
    where: models.Q | None = None,
) -> None:
    """Chain `model` on `fields`. `when(obj)` and `where` (the same rule, for one row and for
    the table) restrict the chain to some rows; without them every row is a record."""
    if not issubclass(model, ChainedRecord):
        raise ImproperlyConfigured(f"{model.__name__} must inherit ChainedRecord to be chained.")
    if (when is None) != (where is None):
        raise ImproperlyConfigured("register_chained: give both `when` and `where`, or neither.")
    names = tuple(fields)
    for name in names:
        model._meta.get_field(name)  # a misspelt field fails at startup, not at the first save
    CHAINED[model._meta.label_lower] = Chained(model=model, fields=names, when=when, where=where)
    # A cascade (e.g. deleting an incident) deletes without calling Model.delete.
    pre_delete.connect(_refuse_delete, sender=model, dispatch_uid=f"record:{model._meta.label}")


def chained(model) -> Chained:
    try:
        return CHAINED[model._meta.label_lower]
    except KeyError:
        raise ImproperlyConfigured(
            f"{model.__name__} inherits ChainedRecord but is not registered with "
            "register_chained()."
        ) from None


def encoded_fields(spec: Chained, values: Iterable) -> dict:
    """The canonical fields from values in `spec.fields` order (as read from the database)."""
    return {name: canonical.encode(value) for name, value in zip(spec.fields, values, strict=True)}


def content_of(obj) -> dict:
    """The canonical fields of an instance, each value as the database gives it back."""
    spec = chained(type(obj))
    values = []
    for name in spec.fields:
        field = obj._meta.get_field(name)
        values.append(field.to_python(getattr(obj, field.attname)))
    return encoded_fields(spec, values)


def _lock_head() -> ChainHead:
    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:  # an emptied database (the data migration creates it)
        ChainHead.objects.get_or_create(pk=1, defaults={"hash": canonical.GENESIS})
        head = ChainHead.objects.select_for_update().get(pk=1)
    return head


def append(objs: list) -> list[ChainEntry]:
    """Chain saved records, in order, inside the caller's transaction."""
    if not objs:
        return []
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("Chained records are appended in atomic().")
    head = _lock_head()
    now = timezone.now()
    entries = []
    for obj in objs:
        record_type, seq = obj._meta.label_lower, head.seq + 1
        digest = canonical.digest(content_of(obj))
        head.hash = canonical.link(seq, record_type, obj.pk, digest, head.hash)
        head.seq = seq
        entries.append(
            ChainEntry(
                seq=seq,
                record_type=record_type,
                record_id=obj.pk,
                digest=digest,
                hash=head.hash,
                recorded_at=now,
            )
        )
    if len(entries) == 1:
        entries[0].save(force_insert=True)
    else:
        ChainEntry.objects.bulk_create(entries)
    head.save(update_fields=["seq", "hash"])
    return entries


def _already_chained(obj) -> bool:
    """Whether an existing row is already chained; a change of its chained fields is refused."""
    entry = ChainEntry.objects.filter(record_type=obj._meta.label_lower, record_id=obj.pk).first()
    if entry is not None and canonical.digest(content_of(obj)) != entry.digest:
        raise ValidationError(
            f"{obj._meta.verbose_name.capitalize()} #{obj.pk} is in the tamper-evident record: "
            f"its fields {', '.join(chained(type(obj)).fields)} cannot change."
        )
    return entry is not None


def _refused_fields(model, names: Iterable[str]) -> list[str]:
    spec = chained(model)
    frozen = set(spec.fields) | set(spec.attnames)
    return sorted(frozen & set(names))


class ChainedQuerySet(models.QuerySet):
    """Bulk writes of chained records either enter the chain or are refused."""

    def bulk_create(self, objs, *args, **kwargs):
        if kwargs.get("ignore_conflicts") or kwargs.get("update_conflicts"):
            raise ValidationError("Chained records are bulk-created without conflict handling.")
        spec = chained(self.model)
        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            if any(obj.pk is None for obj in created):
                raise ValidationError("This database does not return ids from bulk inserts.")
            append([obj for obj in created if spec.is_record(obj)])
        return created

    def update(self, **kwargs):
        if refused := _refused_fields(self.model, kwargs):
            raise ValidationError(f"Chained fields cannot be updated: {', '.join(refused)}.")
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        if refused := _refused_fields(self.model, fields):
            raise ValidationError(f"Chained fields cannot be updated: {', '.join(refused)}.")
        return super().bulk_update(objs, fields, *args, **kwargs)

    def delete(self):
        raise ValidationError("Chained records are never deleted.")

    delete.alters_data = True
    delete.queryset_only = True


class ChainedRecord(models.Model):
    """Base of every chained model: a save enters the chain in its own transaction."""

    objects = ChainedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        spec = chained(type(self))
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        # Refused before any write, so the caller's transaction stays usable.
        already = not self._state.adding and _already_chained(self)
        # No savepoint: an error fails the caller's transaction, as a plain save does.
        with transaction.atomic(using=using, savepoint=False):
            super().save(*args, **kwargs)
            if not already and spec.is_record(self):
                append([self])

    def in_chain(self) -> bool:
        """Saved and one of the rows the chain holds (a draft policy version is not)."""
        return not self._state.adding and chained(type(self)).is_record(self)

    def delete(self, *args, **kwargs):
        raise ValidationError("Chained records are never deleted.")
