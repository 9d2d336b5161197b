"""CSV for spreadsheets: a cell starting with = + - @, a tab or a carriage return is read as a
formula by Excel, LibreOffice and Google Sheets (`=HYPERLINK(...)` in a pause reason would run
on the reader's machine). Such text gets a leading apostrophe, the OWASP-recommended escape,
which spreadsheets show as plain text; numbers and dates pass unchanged."""

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class SpreadsheetSafeWriter:
    """`csv.writer` with every text cell escaped; every CSV export of the portal writes with it."""

    def __init__(self, file, **options):
        self.writer = csv.writer(file, **options)

    def writerow(self, row: Iterable[Any]):
        return self.writer.writerow([spreadsheet_safe(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
