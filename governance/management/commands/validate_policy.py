from django.conf import settings
from django.core.management.base import BaseCommand

from governance.policy_checks import ERROR, find_problems


class Command(BaseCommand):
    help = (
        "Check the D9 policy rows for consistency; print each finding with the admin link that "
        "fixes it. Exit status 1 on any error; warnings (blanks to fill) exit 0."
    )

    def handle(self, *args, **options):
        findings = find_problems()
        errors = [finding for finding in findings if finding.level == ERROR]
        for finding in findings:
            style = self.style.ERROR if finding.level == ERROR else self.style.WARNING
            line = f"{finding.level.upper()}: {finding.message}"
            if finding.admin_path:
                line += f"\n    fix: {settings.PORTAL_BASE_URL.rstrip('/')}{finding.admin_path}"
            self.stdout.write(style(line))
        warnings = len(findings) - len(errors)
        summary = f"{len(errors)} error(s), {warnings} warning(s)."
        if errors:
            self.stdout.write(self.style.ERROR(summary))
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS(f"Policy is consistent: {summary}"))
