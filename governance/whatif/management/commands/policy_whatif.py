import datetime
import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from governance.models import PolicyDraft
from governance.whatif.services import what_if


class Command(BaseCommand):
    help = (
        "Replay the recorded history under a policy draft (D9 §9): live vs draft figures "
        "and the events that differ."
    )

    def add_arguments(self, parser):
        parser.add_argument("--draft", type=int, required=True, help="The draft's id.")
        parser.add_argument(
            "--since", help="First day of the window (YYYY-MM-DD); default 30 days."
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print the report as JSON."
        )

    def handle(self, *args, draft, since=None, as_json=False, **options):
        policy_draft = PolicyDraft.objects.filter(pk=draft).first()
        if policy_draft is None:
            raise CommandError(f"There is no policy draft #{draft}.")
        day = None
        if since:
            try:
                day = datetime.date.fromisoformat(since)
            except ValueError:
                raise CommandError(f"--since: {since!r} is not a date (YYYY-MM-DD).") from None
        try:
            report = what_if(draft=policy_draft, since=day)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        data = report.as_json()
        if as_json:
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
            return
        self.stdout.write(f"What-if: draft #{policy_draft.pk} {policy_draft.title}")
        self.stdout.write(f"Window: {data['window']}\n")
        width = max(len(row["figure"]) for row in data["figures"])
        self.stdout.write(f"{'Figure':<{width}}  {'Live':>20}  {'Draft':>20}")
        for row in data["figures"]:
            mark = "  *" if row["differs"] else ""
            self.stdout.write(
                f"{row['figure']:<{width}}  {row['live']!s:>20}  {row['draft']!s:>20}{mark}"
            )
        self.stdout.write("")
        for table in data["tables"]:
            for change in table["changed"]:
                for name, live, new in change["fields"]:
                    self.stdout.write(f"{table['table']}: {change['row']}: {name} {live} → {new}")
        self.stdout.write(f"\n{data['differences_total']} event(s) differ:")
        for diff in data["differences"]:
            who = f" {diff['person']}" if diff["person"] else ""
            self.stdout.write(
                f"  {diff['record']} #{diff['id']} {diff['url']}: {diff['what']}{who}: "
                f"{diff['change']}"
            )
