"""Tables people upload (CSV or XLSX) read into rows. Pure.

Spreadsheets are untrusted. An .xlsx is a zip archive: its declared sizes are bounded before openpyxl
opens it (server/forms/xlsform.py check_spreadsheet, the XLSForm upload's own check), openpyxl parses
its XML with defusedxml, and the sheet's declared dimensions are ignored (a sheet can claim 16,384
columns and a million rows; we read only the columns that have a header).
"""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from openpyxl import load_workbook

from ..forms.xlsform import XLS_CONTENT_TYPE, XLSX_CONTENT_TYPE, XLSFormError, check_spreadsheet
from .cells import cell_text, header_key, unescape_formula
from .table import Table, TableError

CSV_CONTENT_TYPES = ("text/csv", "application/csv", "text/plain")
MAX_ROWS = 200_000
MAX_COLUMNS = 200
MAX_CELL_CHARS = 10_000


def is_table_content_type(content_type: str | None) -> bool:
    return content_type in CSV_CONTENT_TYPES or content_type in (XLSX_CONTENT_TYPE, XLS_CONTENT_TYPE)


def read_table(data: bytes, content_type: str, max_unzipped: int) -> Table:
    """The rows of a CSV (UTF-8, comma, semicolon or tab) or of the first sheet of an XLSX.

    :raise TableError: not readable, an old .xls, a zip bomb, duplicate headers, too many rows or columns.
    """
    if content_type == XLS_CONTENT_TYPE:
        raise TableError("Excel 97-2003 (.xls) files are not read here; save the sheet as .xlsx or CSV UTF-8.")
    if content_type == XLSX_CONTENT_TYPE:
        return table_from_rows(xlsx_rows(data, max_unzipped))
    return table_from_rows(csv_rows(data))


def csv_rows(data: bytes) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TableError("The CSV is not UTF-8 text. In Excel choose 'Save as: CSV UTF-8 (Comma delimited)'.") from None
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    except csv.Error as error:
        raise TableError(f"The CSV could not be read: {error}.") from None


def xlsx_rows(data: bytes, max_unzipped: int) -> Iterator[tuple]:
    try:
        check_spreadsheet(data, XLSX_CONTENT_TYPE, max_unzipped)
    except XLSFormError as error:
        raise TableError(error.message) from None
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # never trust the declared size
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, ())
        width = last_filled(header)
        if width > MAX_COLUMNS:
            raise TableError(f"The sheet has {width} columns; at most {MAX_COLUMNS} are read.", 1)
        yield header[:width]
        yield from sheet.iter_rows(min_row=2, max_col=max(width, 1), values_only=True)
        workbook.close()
    except TableError:
        raise
    except Exception as error:  # noqa: BLE001 - openpyxl and zipfile raise many types on corrupt files
        raise TableError(f"The workbook could not be read ({error.__class__.__name__}: {error}).") from None


def last_filled(cells: Iterable) -> int:
    filled = [index for index, cell in enumerate(cells) if cell_text(cell)]
    return filled[-1] + 1 if filled else 0


def table_from_rows(rows: Iterable[Sequence]) -> Table:
    """Normalise the header row and turn the other rows into dicts; empty rows are skipped."""
    rows = iter(rows)
    raw_headers = [cell_text(cell) for cell in next(rows, [])]
    headers = [header_key(header) for header in raw_headers]
    check_headers(raw_headers, headers)
    table = []
    for number, cells in enumerate(rows, start=2):
        values = [unescape_formula(cell_text(cell)) for cell in cells]
        if not any(values):
            continue
        table.append((number, row_dict(number, headers, values)))
        if len(table) > MAX_ROWS:
            raise TableError(f"The table has more than {MAX_ROWS} rows; split it into several files.", number)
    return Table(headers=[header for header in headers if header], rows=table)


def check_headers(raw_headers: list[str], headers: list[str]) -> None:
    if not any(headers):
        raise TableError("The first row must hold the column names; it is empty.", 1)
    if len(headers) > MAX_COLUMNS:
        raise TableError(f"The table has {len(headers)} columns; at most {MAX_COLUMNS} are read.", 1)
    seen = {}
    for raw, key in zip(raw_headers, headers):
        if key and key in seen:
            raise TableError(f"The columns '{seen[key]}' and '{raw}' are the same column.", 1)
        seen[key] = raw


def row_dict(number: int, headers: list[str], values: list[str]) -> dict[str, str]:
    row = {}
    for index, value in enumerate(values):
        header = headers[index] if index < len(headers) else ""
        if len(value) > MAX_CELL_CHARS or "\x00" in value:
            raise TableError(f"Column {index + 1} holds {len(value)} characters or a NUL character; "
                             f"at most {MAX_CELL_CHARS} printable characters fit in a cell.", number)
        if header:
            row[header] = value
        elif value:
            raise TableError(f"Column {index + 1} has a value ({value[:40]!r}) but no column name in row 1.", number)
    return row
