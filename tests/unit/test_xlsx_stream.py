"""The XLSX written as it is sent (server/exports/xlsx_stream.py): openpyxl reads back what went in, sheet by
sheet and cell by cell, and the first bytes leave before the rows have all been made."""

import datetime as dt
import io
import zipfile

from openpyxl import load_workbook

from server.exports.xlsx_stream import CELL_TEXT_LIMIT, column_name, sheet_title, workbook


def read(chunks):
    data = b"".join(chunks)
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    book = load_workbook(io.BytesIO(data))  # not read-only: the sheets' own dimensions are not needed
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}


def test_cells_come_back_as_they_went_in_sheet_by_sheet():
    when = dt.datetime(2026, 12, 4, 8, 30, 15)
    rows = [("hộ", ["Tên", "Tuổi", "Ngày"]), ("con", ["Tên con"]), ("hộ", ["Bình <&> \"Hà\"", 40, when]),
            ("con", ["  Tí  "]), ("hộ", ["An", 2.5, None]), ("hộ", [True, False, -7]), ("ba", [10 ** 20, "x\x01y"]),
            ("con", ["é" * (CELL_TEXT_LIMIT + 10)])]
    sheets = read(workbook(rows))
    assert list(sheets) == ["hộ", "con", "ba"]  # in the order they first came; the first one streamed
    assert sheets["hộ"] == [["Tên", "Tuổi", "Ngày"], ['Bình <&> "Hà"', 40, when], ["An", 2.5, None],
                            [True, False, -7]]
    assert sheets["con"][:2] == [["Tên con"], ["  Tí  "]]
    assert sheets["con"][2] == ["é" * CELL_TEXT_LIMIT]  # Excel's limit
    assert sheets["ba"] == [[str(10 ** 20), "xy"]]  # beyond Excel's precision: text; no character XML refuses


def test_a_full_sheet_goes_on_in_another_and_no_member_needs_zip64():
    rows = [("hộ", [number]) for number in range(7)] + [("con", ["a"]), ("hộ", [7])]
    data = b"".join(workbook(rows, max_rows=3))
    sheets = read([data])
    assert sheets == {"hộ": [[0], [1], [2]], "hộ (2)": [[3], [4], [5]], "hộ (3)": [[6], [7]], "con": [["a"]]}
    assert list(sheets) == ["hộ", "hộ (2)", "hộ (3)", "con"]  # made in the order the rows needed them
    members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    assert all(member.extract_version == 20 for member in members)  # no zip64: every spreadsheet program reads it
    assert data[4:6] == b"\x14\x00"  # the first member's local header too (version 2.0)


def test_an_empty_workbook_is_one_empty_sheet():
    assert read(workbook([])) == {"Sheet1": []}


def test_the_first_bytes_leave_before_the_rows_are_all_made():
    made = []

    def rows():
        for number in range(5_000):
            made.append(number)
            yield ("data", [number, f"row {number}"])

    chunks = workbook(rows())
    first = next(chunks)
    assert first.startswith(b"PK") and len(made) < 5_000
    assert read([first, *chunks])["data"][4_999] == [4_999, "row 4999"]


def test_column_names_and_sheet_titles_are_excels():
    assert [column_name(index) for index in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]
    assert sheet_title("a/b:c*d?", []) == "a_b_c_d_"
    assert sheet_title("'trích'", []) == "trích"
    assert sheet_title("x" * 40, []) == "x" * 31
    assert sheet_title("Data", ["data"]) == "Data~1" and sheet_title("Data", ["data", "Data~1"]) == "Data~2"
