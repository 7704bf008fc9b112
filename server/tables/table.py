"""A table read from a spreadsheet, what can be wrong with one, and where. Pure."""

from collections.abc import Sequence
from dataclasses import dataclass


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
