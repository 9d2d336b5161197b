from django.core.management.base import BaseCommand

from governance.policy.render import render_policy_markdown


class Command(BaseCommand):
    help = "Print the D9 policy as Markdown from the database, blanks filled from live data."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="Write to this file instead of stdout.")

    def handle(self, *args, output=None, **options):
        document = render_policy_markdown()
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(document)
            self.stdout.write(f"Wrote {output}")
        else:
            self.stdout.write(document, ending="")
