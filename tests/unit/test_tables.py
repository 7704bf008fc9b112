"""The one table module (server/tables/): one Table, one cell_text, one Problem, formula-safe writing."""

import datetime

import pytest

from server.tables import (
    SPREADSHEET_BOOLEANS,
    Problem,
    Table,
    TableError,
    cell_text,
    problem,
    read_table,
    read_workbook_sheets,
    write_csv,
    write_xlsx,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HOSTILE = ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "bình thường"]


@pytest.mark.parametrize("value, default, spreadsheet", [
    (True, "true", "TRUE"), (False, "false", "FALSE"), (None, "", ""), (3.0, "3", "3"), (2.5, "2.5", "2.5"),
    (datetime.datetime(2026, 11, 1), "2026-11-01", "2026-11-01"), (datetime.date(2026, 11, 2), "2026-11-02",
                                                                   "2026-11-02"),
    (datetime.time(7, 30), "07:30:00", "07:30:00"), ("  Thôn\u00a0Đông ", "Thôn Đông", "Thôn Đông"),
])
def test_one_cell_text_with_the_booleans_its_reader_asks_for(value, default, spreadsheet):
    assert cell_text(value) == default and cell_text(value, SPREADSHEET_BOOLEANS) == spreadsheet


def test_problems_say_where_and_list_as_the_api_answers():
    assert problem(3, "ma", "trống") == {"row": 3, "column": "ma", "message": "trống"}
    found = Problem("scoring", 4, "points", "not a number")
    assert str(found) == "[sheet 'scoring', row 4, column 'points'] not a number"
    assert found.to_dict() == {"sheet": "scoring", "row": 4, "column": "points", "message": "not a number"}


def test_xlsx_written_formula_safe_reads_back_the_same_texts():
    data = write_xlsx("Phụ lục", ["ma", "ten", "diem"], [[str(i), text, i] for i, text in enumerate(HOSTILE)])
    table = read_table(data, XLSX, max_unzipped=10_000_000)
    assert [row["ten"] for _, row in table.rows] == HOSTILE  # our own ' escape is undone on import
    raw = read_workbook_sheets(data, "xlsx", ["phụ lục"], max_rows=100, max_columns=10)["phụ lục"]
    assert raw.headers == ("ma", "ten", "diem") and [row["diem"] for _, row in raw.rows] == ["0", "1", "2", "3",
                                                                                            "4", "5"]
    assert all(not row["ten"].startswith(("=", "+", "-", "@", "\t")) for _, row in raw.rows)  # Excel sees text


def test_csv_written_formula_safe_and_read_back():
    data = write_csv(["ten"], [[text] for text in HOSTILE], bom=True)
    assert data.startswith(b"\xef\xbb\xbf") and b"'=HYPERLINK" in data
    assert [row["ten"] for _, row in read_table(data, "text/csv", max_unzipped=0).rows] == HOSTILE


def test_named_sheets_keep_headers_as_written_and_are_bounded():
    data = write_xlsx("Scoring", ["Criterion", "label::Tiếng Việt (vi)"], [["1", "a"], ["2", "b"], ["3", "c"]])
    sheets = read_workbook_sheets(data, "xlsx", ["scoring", "recognition"], max_rows=10, max_columns=10)
    assert sheets == {"scoring": Table(("Criterion", "label::Tiếng Việt (vi)"),
                                       ((2, {"Criterion": "1", "label::Tiếng Việt (vi)": "a"}),
                                        (3, {"Criterion": "2", "label::Tiếng Việt (vi)": "b"}),
                                        (4, {"Criterion": "3", "label::Tiếng Việt (vi)": "c"})))}
    with pytest.raises(TableError) as raised:
        read_workbook_sheets(data, "xlsx", ["scoring"], max_rows=2, max_columns=10)
    assert (raised.value.sheet, raised.value.row) == ("scoring", 4)
    with pytest.raises(TableError):
        read_workbook_sheets(b"not a workbook", "xlsx", ["scoring"], max_rows=2, max_columns=10)
