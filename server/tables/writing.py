"""CSV and XLSX written from (headers, rows), cells formula-safe, so that a person can open them in Excel. Pure."""

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook

from .cells import csv_safe


def write_csv(headers: Sequence, rows: Iterable[Sequence], formula_safe: bool = True, bom: bool = False) -> bytes:
    """CSV bytes (UTF-8, CRLF as RFC 4180) of `headers` then `rows`; formula_safe for files people open in Excel."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    clean = csv_safe if formula_safe else (lambda value: "" if value is None else str(value))
    writer.writerow([clean(header) for header in headers])
    writer.writerows([clean(value) for value in row] for row in rows)
    return ("\ufeff" if bom else "").encode("utf-8") + buffer.getvalue().encode("utf-8")


def write_xlsx(title: str, headers: Sequence, rows: Iterable[Sequence]) -> bytes:
    """XLSX bytes of one sheet: `headers` then `rows`; texts formula-safe (csv_safe), numbers kept as numbers."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])  # Excel's limit on a sheet name
    sheet.append([csv_safe(header) for header in headers])
    for row in rows:
        sheet.append([value if isinstance(value, int | float) or value is None else csv_safe(value)
                      for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
