"""The one table package: spreadsheets people upload (CSV, XLSX, XLS) read into rows of text, problems found in
them (sheet, row, column), and CSV or XLSX written so that Excel never runs a cell as a formula.

Pure: no Flask, no database. Used by areas and registries (uploads), scoring (the criteria sheets of a form's
workbook, the annex of a recognition decision) and the exports.

  table.py      Table, Problem (sheet, row, column) and TableError
  cells.py      cell_text (one, with the booleans its reader asks for), header_key, the formula escape
  uploads.py    read_table: a CSV or the first sheet of an XLSX people upload, bounded
  workbooks.py  read_workbook_sheets: named sheets of an .xlsx or .xls, headers as written
  writing.py    write_csv and write_xlsx of (headers, rows), formula-safe
"""

from .cells import FORMULA_STARTS, SPREADSHEET_BOOLEANS, cell_text, csv_safe, header_key, unescape_formula
from .table import Problem, Table, TableError, problem
from .uploads import CSV_CONTENT_TYPES, MAX_CELL_CHARS, MAX_COLUMNS, MAX_ROWS, is_table_content_type, read_table
from .workbooks import read_workbook_sheets
from .writing import write_csv, write_xlsx

__all__ = ["CSV_CONTENT_TYPES", "FORMULA_STARTS", "MAX_CELL_CHARS", "MAX_COLUMNS", "MAX_ROWS", "SPREADSHEET_BOOLEANS",
           "Problem", "Table", "TableError", "cell_text", "csv_safe", "header_key", "is_table_content_type", "problem",
           "read_table", "read_workbook_sheets", "unescape_formula", "write_csv", "write_xlsx"]
