"""Demo people for every D9 role, their assignments and the §4.4 contacts (idempotent).

`manage.py seed_demo` calls `seed(stdout=...)`; running it again changes nothing.
"""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from governance.models import EscalationContact, Role, RoleAssignment

DEMO_PASSWORD = "demo"
SEED_REASON = "Demo data (seed_demo)"
# username: (first name, last name)
PEOPLE = {
    "owner": ("Olivia", "Owner"),
    "owner_backup": ("Oscar", "Backup"),
    "sre": ("Sam", "Reyes"),
    "sre_backup": ("Sofia", "Ruiz"),
    "dba": ("Dana", "Baker"),
    "dba_backup": ("Dev", "Bose"),
    "pm": ("Priya", "Mehta"),
    "pm_backup": ("Paul", "Moreau"),
    "support": ("Sasha", "Lee"),
    "support_backup": ("Sunil", "Kapoor"),
    "am": ("Alex", "Morgan"),
}
# role key: (primary username, backup username)
ASSIGNMENTS = {
    "ingestion_owner": ("owner", "owner_backup"),
    "sre_lead": ("sre", "sre_backup"),
    "database_owner": ("dba", "dba_backup"),
    "product_manager": ("pm", "pm_backup"),
    "support_lead": ("support", "support_backup"),
    "account_manager": ("am", None),
}
# role key: (primary value, backup value), D9 §4.4
CONTACTS = {
    "on_call_primary": ("ingestion-primary (PagerDuty)", "+44 20 7946 0101"),
    "on_call_secondary": ("ingestion-secondary (PagerDuty)", "+44 20 7946 0102"),
    "ingestion_owner": ("+44 20 7946 0110", ""),
    "sre_lead": ("+44 20 7946 0120", ""),
    "product_manager": ("@priya.mehta", "pm@example.com"),
}
VALID_FROM = datetime.date(2024, 12, 30)


@transaction.atomic
def seed(*, stdout) -> None:
    User = get_user_model()
    users = {}
    for username, (first, last) in PEOPLE.items():
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        users[username] = user

    for role_key, (primary, backup) in ASSIGNMENTS.items():
        role = Role.objects.get(key=role_key)
        if not RoleAssignment.objects.filter(role=role).exists():
            assignment = RoleAssignment(
                role=role,
                primary=users[primary],
                backup=users[backup] if backup else None,
                valid_from=VALID_FROM,
            )
            assignment.full_clean()
            assignment._change_reason = SEED_REASON
            assignment.save()

    for role_key, (primary_value, backup_value) in CONTACTS.items():
        contact = EscalationContact.objects.filter(role__key=role_key).first()
        if contact is None or (contact.primary_value and contact.backup_value):
            continue
        changed = False
        if not contact.primary_value:
            contact.primary_value, changed = primary_value, True
        if not contact.backup_value and backup_value:
            contact.backup_value, changed = backup_value, True
        if changed:
            contact._change_reason = SEED_REASON
            contact.save()

    names = ", ".join(sorted(PEOPLE))
    stdout.write(f"Demo people (password {DEMO_PASSWORD!r}): {names}")
