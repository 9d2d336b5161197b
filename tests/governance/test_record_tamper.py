"""Issue 20: every chained record edited, deleted, inserted or reordered with raw SQL is found by
the verification, which names it; the verify_record command exits 1 on any break."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from governance.models import RaciActivity, ResumeVerification
from governance.record.chain import CHAINED
from governance.record.verify import verify_chain
from tests.helpers.record import make_record

CHAINED_MODELS = [
    "governance.approvaldecision",
    "governance.gonogodecision",
    "governance.killswitchlogentry",
    "governance.phasetransition",
    "governance.policyversion",
    "governance.resumecheck",
    "governance.revalidationcheck",
    "governance.rollbacksignoff",
    "incidents.incidentevent",
]

# A column of each model to change, and a column to vary so a copied row passes its table's
# unique constraints (a raw INSERT of a "new" record).
EDIT = {
    "governance.approvaldecision": ("statement", "'Rewritten'"),
    "governance.gonogodecision": ("reason", "'Rewritten'"),
    "governance.killswitchlogentry": ("reason", "'Rewritten'"),
    "governance.phasetransition": ("to_phase", "'P4'"),
    "governance.policyversion": ("change_summary", "'Rewritten'"),
    "governance.resumecheck": ("verified_by_id", None),  # another person: set in the test
    "governance.revalidationcheck": ("note", "'Rewritten'"),
    "governance.rollbacksignoff": ("other_reason", "'Rewritten'"),
    "incidents.incidentevent": ("text", "'Rewritten'"),
}
VARY = {
    "governance.approvaldecision": ("verdict", "'veto'"),
    "governance.policyversion": ("version", "'9.99'"),
}


def _table(label: str) -> str:
    return CHAINED[label].model._meta.db_table


def _sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _first_break():
    outcome = verify_chain()
    assert not outcome.ok
    return outcome, outcome.first


def test_every_chained_model_is_covered_here():
    assert sorted(CHAINED) == CHAINED_MODELS


@pytest.mark.parametrize("label", CHAINED_MODELS)
def test_a_saved_record_is_chained_and_verifies(label, owner, sre_lead):
    record = make_record(label, owner, sre_lead)
    outcome = verify_chain()
    assert outcome.ok, outcome.breaks
    assert outcome.entries >= 1 and outcome.records == outcome.entries
    assert record.pk is not None


@pytest.mark.parametrize("label", CHAINED_MODELS)
def test_editing_a_record_with_sql_is_found_and_named(label, owner, sre_lead):
    record = make_record(label, owner, sre_lead)
    column, value = EDIT[label]
    if label == "governance.resumecheck":
        _sql(
            f"UPDATE {_table(label)} SET verified_by_id = %s WHERE id = %s",
            [sre_lead.pk, record.pk],
        )
    else:
        _sql(f"UPDATE {_table(label)} SET {column} = {value} WHERE id = %s", [record.pk])
    outcome, first = _first_break()
    assert first.record == f"{label} {record.pk}"
    assert "content does not match" in first.problem
    assert outcome.count == 1


@pytest.mark.parametrize("label", CHAINED_MODELS)
def test_deleting_a_record_with_sql_is_found_and_named(label, owner, sre_lead):
    record = make_record(label, owner, sre_lead)
    _sql(f"DELETE FROM {_table(label)} WHERE id = %s", [record.pk])
    _, first = _first_break()
    assert first.record == f"{label} {record.pk}"
    assert "missing (deleted)" in first.problem


@pytest.mark.parametrize("label", CHAINED_MODELS)
def test_inserting_a_record_with_sql_is_found_and_named(label, owner, sre_lead):
    record = make_record(label, owner, sre_lead)
    model = CHAINED[label].model
    columns = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    values = list(columns)
    if label in VARY:
        column, value = VARY[label]
        values[columns.index(column)] = value
    if label == "governance.resumecheck":  # one check per verification: another verification
        other = ResumeVerification.objects.exclude(pk=record.verification_id).first()
        values[columns.index("verification_id")] = str(other.pk)
    if label == "governance.revalidationcheck":  # one check per item: another item
        other = RaciActivity.objects.exclude(pk=record.activity_id).first()
        values[columns.index("activity_id")] = str(other.pk)
    table = _table(label)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} "
            f"FROM {table} WHERE id = %s",
            [record.pk],
        )
    inserted = model._base_manager.order_by("-pk").first()
    assert inserted.pk != record.pk
    outcome = verify_chain()
    assert not outcome.ok
    assert [str(b) for b in outcome.breaks] == [
        f"{label} {inserted.pk}: not in the chain (inserted outside it)"
    ]


@pytest.mark.parametrize("label", CHAINED_MODELS)
def test_reordering_two_records_with_sql_is_found_and_named(label, owner, sre_lead):
    """Swapping two rows' ids puts each one's content at the other's place in the chain."""
    first_record = make_record(label, owner, sre_lead, n=0)
    second_record = make_record(label, owner, sre_lead, n=1)
    table = _table(label)
    a, b = first_record.pk, second_record.pk
    _sql(f"UPDATE {table} SET id = %s WHERE id = %s", [10**9, a])
    _sql(f"UPDATE {table} SET id = %s WHERE id = %s", [a, b])
    _sql(f"UPDATE {table} SET id = %s WHERE id = %s", [b, 10**9])
    outcome, first = _first_break()
    assert first.record == f"{label} {a}"
    assert {str(x.record) for x in outcome.breaks} == {f"{label} {a}", f"{label} {b}"}


@pytest.mark.parametrize("label", CHAINED_MODELS)
def test_reordering_the_chain_entries_with_sql_is_found(label, owner, sre_lead):
    first_record = make_record(label, owner, sre_lead, n=0)
    make_record(label, owner, sre_lead, n=1)
    from governance.models import ChainEntry

    first, second = ChainEntry.objects.filter(record_type=label).order_by("seq")[:2]
    _sql("UPDATE governance_chainentry SET seq = %s WHERE seq = %s", [10**9, first.seq])
    _sql("UPDATE governance_chainentry SET seq = %s WHERE seq = %s", [first.seq, second.seq])
    _sql("UPDATE governance_chainentry SET seq = %s WHERE seq = %s", [second.seq, 10**9])
    _, found = _first_break()
    assert found.seq == first.seq
    assert "link hash does not match" in found.problem
    assert first_record.pk in (first.record_id, second.record_id)


def test_deleting_a_chain_entry_is_a_gap(owner, sre_lead):
    record = make_record("incidents.incidentevent", owner, sre_lead, n=0)
    make_record("incidents.incidentevent", owner, sre_lead, n=1)
    from governance.models import ChainEntry

    entry = ChainEntry.objects.get(record_type="incidents.incidentevent", record_id=record.pk)
    _sql("DELETE FROM governance_chainentry WHERE seq = %s", [entry.seq])
    outcome, first = _first_break()
    assert first.seq == entry.seq and f"#{entry.seq} are missing" in first.problem


def test_dropping_the_last_entries_is_found_by_the_head(owner, sre_lead):
    make_record("incidents.incidentevent", owner, sre_lead, n=0)
    from governance.models import ChainEntry, ChainHead

    head = ChainHead.objects.get(pk=1)
    _sql("DELETE FROM governance_chainentry WHERE seq = %s", [head.seq])
    _sql(f"DELETE FROM {_table('incidents.incidentevent')}")
    outcome = verify_chain()
    assert not outcome.ok
    assert any(f"entries #{head.seq}..#{head.seq} are missing" in b.problem for b in outcome.breaks)
    assert ChainEntry.objects.filter(seq=head.seq).count() == 0


def test_the_command_exits_1_and_names_the_first_break(owner, sre_lead):
    record = make_record("governance.approvaldecision", owner, sre_lead)
    out, err = io.StringIO(), io.StringIO()
    call_command("verify_record", stdout=out, stderr=err)
    assert "OK:" in out.getvalue()
    _sql("UPDATE governance_approvaldecision SET statement = 'x' WHERE id = %s", [record.pk])
    with pytest.raises(SystemExit) as exit_:
        call_command("verify_record", stdout=out, stderr=err)
    assert exit_.value.code == 1
    assert f"governance.approvaldecision {record.pk}: the content does not match" in err.getvalue()


def test_the_command_since_a_date_checks_the_period_only(owner, sre_lead, time_machine):
    import datetime

    from django.utils import timezone

    old = make_record("incidents.incidentevent", owner, sre_lead, n=0)
    time_machine.move_to(timezone.now() + datetime.timedelta(days=3))
    make_record("incidents.incidentevent", owner, sre_lead, n=1)
    _sql("UPDATE incidents_incidentevent SET text = 'x' WHERE id = %s", [old.pk])
    since = timezone.localdate().isoformat()
    call_command("verify_record", "--since", since, stdout=io.StringIO())
    with pytest.raises(SystemExit):
        call_command("verify_record", stdout=io.StringIO(), stderr=io.StringIO())


def test_the_command_refuses_a_bad_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--since: 'soon' is not a date"):
        call_command("verify_record", "--since", "soon")
