"""The `scoring` and `recognition` sheets of an .xlsx or .xls workbook, as plain Tables of text.

pyxform skips sheets it does not know, so we read these two ourselves, the way pyxform reads its own (the
table module, server/tables/workbooks.py): sheet names and headers case-insensitive, texts stripped,
numbers without a trailing '.0', booleans as TRUE/FALSE, dates in ISO form, formulas as their cached value. The
header is the first non-empty row; row numbers are the spreadsheet's. The workbook has passed pyxform (and, for
.xlsx, our zip-bomb check) already; we still bound what we read: MAX_COLUMNS columns and MAX_ROWS filled rows.
"""

from ...tables import SPREADSHEET_BOOLEANS, Problem, TableError, read_workbook_sheets
from ...tables import cell_text as table_cell_text
from .rows import RulesError

SCORING_SHEETS = ("scoring", "recognition")
MAX_ROWS = 2000
MAX_COLUMNS = 100


def read_scoring_sheets(data: bytes, file_type: str) -> dict:
    """{sheet name (lower case): Table} for those of the two sheets the workbook has; file_type xlsx or xls.

    :raise RulesError: a sheet cannot be read, or has more than MAX_ROWS filled rows.
    """
    try:
        return read_workbook_sheets(data, file_type, SCORING_SHEETS, MAX_ROWS, MAX_COLUMNS)
    except TableError as error:
        raise RulesError([Problem(error.sheet or "scoring", error.row, None, error.message)]) from None


def cell_text(value: object) -> str:
    """A cell's value as pyxform would read it (booleans TRUE and FALSE)."""
    return table_cell_text(value, SPREADSHEET_BOOLEANS)
