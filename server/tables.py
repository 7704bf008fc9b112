"""The one table module: spreadsheets people upload (CSV, XLSX, XLS) read into rows of text, problems found in
them (sheet, row, column), and CSV or XLSX written so that Excel never runs a cell as a formula.

Pure: no Flask, no database. Used by areas and registries (uploads), scoring (the criteria sheets of a form's
workbook, the annex of a recognition decision) and the exports.

Spreadsheets are untrusted. An .xlsx is a zip archive: its declared sizes are bounded before openpyxl
opens it (server/forms/xlsform.py check_spreadsheet, the XLSForm upload's own check), openpyxl parses
its XML with defusedxml, and the sheet's declared dimensions are ignored (a sheet can claim 16,384
columns and a million rows; we read only the columns that have a header).
"""

import csv
import datetime
import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import xlrd  # a dependency of pyxform, which reads .xls files with it
from openpyxl import Workbook, load_workbook

from .forms.xlsform import XLS_CONTENT_TYPE, XLSX_CONTENT_TYPE, XLSFormError, check_spreadsheet

CSV_CONTENT_TYPES = ("text/csv", "application/csv", "text/plain")
# Cells starting with these are formulas to Excel and LibreOffice (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_ROWS = 200_000
MAX_COLUMNS = 200
MAX_CELL_CHARS = 10_000


class TableError(ValueError):
    """The upload is not a usable table; `message` says why, for a person."""

    def __init__(self, message, row=None, sheet=None):
        super().__init__(message)
        self.message, self.row, self.sheet = message, row, sheet


@dataclass(frozen=True)
class Table:
    """`headers` and `rows` as (spreadsheet row number, {header: text}), empty rows left out. read_table gives
    headers as normalised keys (see header_key); read_workbook_sheets as written."""

    headers: Sequence
    rows: Sequence


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a table, where a person finds it: the sheet (None: the only one), the spreadsheet's
    row number (None: the sheet as a whole) and the column."""

    sheet: str | None
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = ([f"sheet '{self.sheet}'"] if self.sheet else []) + ([f"row {self.row}"] if self.row else [])
        where += [f"column '{self.column}'"] if self.column else []
        return f"[{', '.join(where)}] {self.message}"

    def to_dict(self) -> dict:
        found = {"sheet": self.sheet} if self.sheet is not None else {}
        return {**found, "row": self.row, "column": self.column, "message": self.message}


def problem(row: int | None, column: str | None, message: str) -> dict:
    """A problem of a one-sheet upload, as the 400.54 answer lists it: {row, column, message}."""
    return Problem(None, row, column, message).to_dict()


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


def csv_rows(data):
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


def xlsx_rows(data, max_unzipped):
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


def last_filled(cells):
    filled = [index for index, cell in enumerate(cells) if cell_text(cell)]
    return filled[-1] + 1 if filled else 0


def table_from_rows(rows):
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


def check_headers(raw_headers, headers):
    if not any(headers):
        raise TableError("The first row must hold the column names; it is empty.", 1)
    if len(headers) > MAX_COLUMNS:
        raise TableError(f"The table has {len(headers)} columns; at most {MAX_COLUMNS} are read.", 1)
    seen = {}
    for raw, key in zip(raw_headers, headers):
        if key and key in seen:
            raise TableError(f"The columns '{seen[key]}' and '{raw}' are the same column.", 1)
        seen[key] = raw


def row_dict(number, headers, values):
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


def header_key(text: str) -> str:
    """'Mã cha' → 'ma_cha', 'Parent Code' → 'parent_code': no accents, lower case, underscores."""
    text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).strip().lower()
    return "_".join(text.replace("-", " ").split())


def cell_text(value: object, booleans: tuple = ("true", "false")) -> str:
    """A cell as text: whole numbers without '.0', dates as ISO 8601, None as '', booleans as `booleans`
    (pyxform, and so the criteria sheets, reads them as TRUE and FALSE: SPREADSHEET_BOOLEANS)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return booleans[0] if value else booleans[1]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value).replace("\u00a0", " ").strip()


def unescape_formula(text: str) -> str:
    """Undo csv_safe on re-import: "'=x" written by our export reads back as "=x"."""
    if text.startswith("'") and text[1:2] and text[1] in FORMULA_STARTS:
        return text[1:]
    return text


def csv_safe(value: object) -> str:
    """A cell Excel shows as text, never runs: a leading = + - @ tab or CR gets a ' in front (OWASP)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


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


SPREADSHEET_BOOLEANS = ("TRUE", "FALSE")


def read_workbook_sheets(data: bytes, file_type: str, names: Iterable[str], max_rows: int, max_columns: int,
                         booleans: tuple = SPREADSHEET_BOOLEANS) -> dict:
    """{sheet name (lower case): Table with its headers as written} for those of `names` (lower case) that the
    .xlsx or .xls workbook has (sheet names matched in any case). The header is the first filled row; at most
    `max_columns` columns are read. :raise TableError: unreadable, or a sheet with more than `max_rows` filled
    rows (its row number and the sheet's name in `sheet`)."""
    wanted = set(names)
    reader = _xls_sheet_rows if file_type.lstrip(".") == "xls" else _xlsx_sheet_rows
    try:
        # each sheet's rows are read while its workbook is open: the reader closes it when done
        return {name: _table_as_written(name, rows, max_rows, booleans)
                for name, rows in reader(data, wanted, max_columns)}
    except TableError:
        raise
    except Exception as error:  # noqa: BLE001 - openpyxl, xlrd and zipfile raise many types on odd files
        raise TableError(f"the workbook could not be read ({error.__class__.__name__}: {error})") from None


def _xlsx_sheet_rows(data, wanted, max_columns):
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        for title in workbook.sheetnames:
            if title.strip().lower() in wanted:
                sheet = workbook[title]
                sheet.reset_dimensions()  # a wrong <dimension> would cut rows short; max_columns bounds them
                yield title.strip().lower(), enumerate(sheet.iter_rows(max_col=max_columns, values_only=True), 1)
    finally:
        workbook.close()


def _xls_sheet_rows(data, wanted, max_columns):
    workbook = xlrd.open_workbook(file_contents=data, on_demand=True)
    try:
        for index, title in enumerate(workbook.sheet_names()):
            if title.strip().lower() in wanted:
                sheet = workbook.sheet_by_index(index)
                yield title.strip().lower(), [
                    (number + 1, [_xls_value(cell, workbook.datemode) for cell in sheet.row(number)[:max_columns]])
                    for number in range(sheet.nrows)]
    finally:
        workbook.release_resources()


def _xls_value(cell, datemode):
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if cell.ctype == xlrd.XL_CELL_DATE:
        return xlrd.xldate_as_datetime(cell.value, datemode)
    if cell.ctype in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    return cell.value


def _table_as_written(name, numbered_rows, max_rows, booleans):
    """The Table of a sheet's filled rows, headers as written. :raise TableError: more than max_rows."""
    filled, empty = [], None
    for number, values in numbered_rows:
        if values is empty:
            continue  # openpyxl fills a gap between rows with one shared empty row: skip it in O(1)
        texts = [cell_text(value, booleans) for value in values]
        if not any(texts):
            empty = values
        elif len(filled) > max_rows:
            raise TableError(f"the sheet has more than {max_rows} filled rows", number, name)
        else:
            filled.append((number, texts))
    if not filled:
        return Table((), ())
    (_, header), body = filled[0], filled[1:]
    columns = [(index, text) for index, text in enumerate(header) if text]
    records = ((number, {text: (values[index] if index < len(values) else "") for index, text in columns})
               for number, values in body)
    return Table(tuple(text for _, text in columns),
                 tuple((number, cells) for number, cells in records if any(cells.values())))
