"""Named sheets of an .xlsx or .xls workbook (a form's criteria sheets, which pyxform skips) as Tables. Pure."""

import io
from collections.abc import Iterable

import xlrd  # a dependency of pyxform, which reads .xls files with it
from openpyxl import load_workbook

from .cells import SPREADSHEET_BOOLEANS, cell_text
from .table import Table, TableError


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
