from django.conf import settings
from django.core.management.base import BaseCommand

from governance.policy.checks import ERROR, NOTE, find_problems, summary


class Command(BaseCommand):
    help = (
        "Check the D9 policy rows for consistency; print each finding with the admin link that "
        "fixes it. Exit status 1 on any error; warnings (blanks to fill) and notes (where D9's "
        "tables overlap) exit 0."
    )

    def handle(self, *args, **options):
        findings = find_problems()
        styles = {ERROR: self.style.ERROR, NOTE: self.style.NOTICE}
        for finding in findings:
            style = styles.get(finding.level, self.style.WARNING)
            line = f"{finding.level.upper()}: {finding.message}"
            if finding.admin_path:
                line += f"\n    fix: {settings.PORTAL_BASE_URL.rstrip('/')}{finding.admin_path}"
            self.stdout.write(style(line))
        if any(finding.level == ERROR for finding in findings):
            self.stdout.write(self.style.ERROR(summary(findings)))
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS(f"Policy is consistent: {summary(findings)}"))
