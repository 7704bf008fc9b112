"""The `scoring` and `recognition` sheets of an .xlsx or .xls workbook, as plain Tables of text.

pyxform skips sheets it does not know, so we read these two ourselves, the way pyxform reads its own:
sheet names and headers case-insensitive, texts stripped, numbers without a trailing '.0', booleans as
TRUE/FALSE, dates in ISO form, formulas as their cached value (data_only). The header is the first
non-empty row; row numbers are the spreadsheet's. The workbook has passed pyxform (and, for .xlsx, our
zip-bomb check) already; we still bound what we read: MAX_COLUMNS columns and MAX_ROWS filled rows.
"""

import datetime
import io

import xlrd  # a dependency of pyxform, which reads .xls files with it
from openpyxl import load_workbook

from .rows import Problem, RulesError, Table

SCORING_SHEETS = ("scoring", "recognition")
MAX_ROWS = 2000
MAX_COLUMNS = 100


def read_scoring_sheets(data: bytes, file_type: str) -> dict:
    """{sheet name (lower case): Table} for those of the two sheets the workbook has; file_type xlsx or xls.

    :raise RulesError: a sheet cannot be read, or has more than MAX_ROWS filled rows.
    """
    reader = _xls_sheets if file_type.lstrip(".") == "xls" else _xlsx_sheets
    try:
        raw = reader(data)
    except RulesError:
        raise
    except Exception as error:  # noqa: BLE001 - openpyxl, xlrd and zipfile raise many types on odd files
        raise RulesError([Problem("scoring", None, None, f"the workbook could not be read "
                                                         f"({error.__class__.__name__}: {error})")]) from None
    return {name: _table(name, rows) for name, rows in raw.items()}


def _xlsx_sheets(data):
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        found = {}
        for title in workbook.sheetnames:
            name = title.strip().lower()
            if name in SCORING_SHEETS:
                sheet = workbook[title]
                sheet.reset_dimensions()  # a wrong <dimension> would cut rows short; MAX_COLUMNS bounds them
                found[name] = _filled_rows(name, enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), 1))
        return found
    finally:
        workbook.close()


def _xls_sheets(data):
    workbook = xlrd.open_workbook(file_contents=data, on_demand=True)
    try:
        found = {}
        for index, title in enumerate(workbook.sheet_names()):
            name = title.strip().lower()
            if name in SCORING_SHEETS:
                sheet = workbook.sheet_by_index(index)
                rows = ((number + 1, [_xls_value(cell, workbook.datemode) for cell in sheet.row(number)[:MAX_COLUMNS]])
                        for number in range(sheet.nrows))
                found[name] = _filled_rows(name, rows)
        return found
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


def _filled_rows(name, numbered_rows):
    """[(row number, [text, …]), …] of the rows with at least one filled cell. :raise RulesError: too many."""
    filled, empty = [], None
    for number, values in numbered_rows:
        if values is empty:
            continue  # openpyxl fills a gap between rows with one shared empty row: skip it in O(1)
        texts = [cell_text(value) for value in values]
        if not any(texts):
            empty = values
        else:
            if len(filled) > MAX_ROWS:
                raise RulesError([Problem(name, number, None, f"the sheet has more than {MAX_ROWS} filled rows")])
            filled.append((number, texts))
    return filled


def _table(name, rows):
    if not rows:
        return Table((), ())
    (_, header), body = rows[0], rows[1:]
    columns = [(index, text) for index, text in enumerate(header) if text]
    records = tuple((number, {text: (values[index] if index < len(values) else "") for index, text in columns})
                    for number, values in body)
    return Table(tuple(text for _, text in columns),
                 tuple((number, cells) for number, cells in records if any(cells.values())))


def cell_text(value: object) -> str:
    """A cell's value as pyxform would read it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value).replace("\u00a0", " ").strip()
