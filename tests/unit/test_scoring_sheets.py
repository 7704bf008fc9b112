"""server/scoring/rules/workbook.py: the scoring and recognition sheets of real .xlsx/.xls files, read as pyxform reads.

Also: every criteria workbook in xlsforms/, and both examples of docs/xlsform-scoring.md, pass the checks
the upload applies.
"""

import datetime
import io
import re
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from server.forms.build import content_type_of, workbooks
from server.forms.fields import read_fields
from server.forms.xlsform import XLS_CONTENT_TYPE, convert_xlsform
from server.scoring.rules import workbook as sheets
from server.scoring.rules.reader import RulesError, Table
from server.scoring.rules.reader import rules_of_sheets as read_rules
from server.scoring.rules.workbook import cell_text, read_scoring_sheets
from tests.factories import XLSX, xlsx_from_markdown

CORPUS_XLS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "xlsforms" / "gps.xls"


def xlsx(sheet_rows):
    """An .xlsx with {title: [row values, …]} (None = empty cell; a row of Nones is an empty row)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheet_rows.items():
        sheet = workbook.create_sheet(title)
        for number, values in enumerate(rows, start=1):
            for column, value in enumerate(values, start=1):
                if value is not None:
                    sheet.cell(row=number, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("value, text", [
    (None, ""), ("", ""), ("  tốt \u00a0", "tốt"), ("a\u00a0b", "a b"), (40, "40"), (40.0, "40"), (0.5, "0.5"),
    (-3, "-3"), (True, "TRUE"), (False, "FALSE"), (datetime.datetime(2026, 1, 31), "2026-01-31"),
    (datetime.datetime(2026, 1, 31, 8, 30), "2026-01-31T08:30:00"), (datetime.date(2025, 7, 1), "2025-07-01"),
    (datetime.time(7, 5), "07:05:00"), ("${ho}", "${ho}"),
])
def test_cells_read_as_pyxform_reads_them(value, text):
    assert cell_text(value) == text


def test_only_the_two_sheets_are_read_with_their_row_numbers():
    data = xlsx({
        "survey": [["type", "name"], ["text", "ho"]],
        " Scoring ": [["Criterion", "indicator", None, "points", "label::English (en)"],
                      ["TC1", None, "no header", 40, "Learning"],
                      [None, None, None, None, None],
                      [None, "1.1", None, 40.0, "  Literate  "],
                      [None, None, "only an unheaded cell", None, None]],
        "RECOGNITION": [[None], ["type", "value"], ["total", 100], ["band", 0.5]],
    })
    found = read_scoring_sheets(data, "xlsx")
    assert set(found) == {"scoring", "recognition"}
    assert found["scoring"] == Table(("Criterion", "indicator", "points", "label::English (en)"), (
        (2, {"Criterion": "TC1", "indicator": "", "points": "40", "label::English (en)": "Learning"}),
        (4, {"Criterion": "", "indicator": "1.1", "points": "40", "label::English (en)": "Literate"}),
    ))
    assert found["recognition"] == Table(("type", "value"), ((3, {"type": "total", "value": "100"}),
                                                             (4, {"type": "band", "value": "0.5"})))


def test_a_workbook_without_the_sheets_gives_nothing():
    assert read_scoring_sheets(xlsx({"survey": [["type"]], "settings": [["form_id"]]}), "xlsx") == {}
    assert read_scoring_sheets(xlsx({"scoring": []}), "xlsx") == {"scoring": Table((), ())}


def test_too_many_filled_rows_are_refused(monkeypatch):
    monkeypatch.setattr(sheets, "MAX_ROWS", 5)
    data = xlsx({"scoring": [["criterion"]] + [[f"TC{index}"] for index in range(10)]})
    with pytest.raises(RulesError) as raised:
        read_scoring_sheets(data, "xlsx")
    assert (raised.value.sheet, raised.value.row) == ("scoring", 7)  # the header and 5 rows are allowed
    assert raised.value.message == "the sheet has more than 5 filled rows"


def test_a_far_away_cell_costs_little():
    data = xlsx({"scoring": [["criterion"], ["TC1"]]})
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "scoring"
    sheet["A1"], sheet["A2"], sheet["XFD1048576"] = "criterion", "TC1", "far"
    buffer = io.BytesIO()
    workbook.save(buffer)
    started = time.perf_counter()
    table = read_scoring_sheets(buffer.getvalue(), "xlsx")["scoring"]
    assert time.perf_counter() - started < 2  # about 0.2 s: the million empty rows between are skipped in O(1)
    assert table.rows == ((2, {"criterion": "TC1"}),)  # the far cell is beyond MAX_COLUMNS
    assert read_scoring_sheets(data, "xlsx")["scoring"] == table


def test_a_wrong_dimension_does_not_cut_columns_off():
    data = xlsx({"scoring": [["criterion", "indicator", "points"], ["TC1", None, 40]]})
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = next(name for name in parts if name.startswith("xl/worksheets/"))
    assert b'<dimension ref="A1:C2"/>' in parts[sheet]
    parts[sheet] = parts[sheet].replace(b'<dimension ref="A1:C2"/>', b'<dimension ref="A1:A1"/>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name, content in parts.items():
            target.writestr(name, content)
    table = read_scoring_sheets(buffer.getvalue(), "xlsx")["scoring"]
    assert table.rows == ((2, {"criterion": "TC1", "indicator": "", "points": "40"}),)


@pytest.mark.parametrize("data, file_type", [(b"PK\x03\x04 not really", "xlsx"), (b"\xd0\xcf\x11\xe0 nope", "xls")])
def test_an_unreadable_workbook_is_a_problem_not_a_crash(data, file_type):
    with pytest.raises(RulesError) as raised:
        read_scoring_sheets(data, file_type)
    assert raised.value.message.startswith("the workbook could not be read")


@pytest.mark.skipif(not CORPUS_XLS.is_file(), reason="the shared XLSForm corpus is not present")
def test_xls_workbooks_are_read_with_xlrd(monkeypatch):
    monkeypatch.setattr(sheets, "SCORING_SHEETS", ("survey",))  # no .xls writer here: read a corpus sheet
    table = read_scoring_sheets(CORPUS_XLS.read_bytes(), "xls")["survey"]
    assert table.headers == ("type", "name", "label")
    assert table.rows == ((2, {"type": "gps", "name": "location", "label": "GPS"}),)


@pytest.mark.parametrize("path", workbooks(), ids=lambda path: path.name)
def test_every_workbook_in_xlsforms_has_valid_scoring_sheets(path):
    data = path.read_bytes()
    converted = convert_xlsform(data, content_type_of(path), path.stem, validate=False, max_unzipped=500 * 1024 * 1024)
    types = {field.path[-1]: field.type for field in read_fields(converted.xform)}
    file_type = "xls" if content_type_of(path) == XLS_CONTENT_TYPE else "xlsx"
    read_rules(read_scoring_sheets(data, file_type), types, types)  # raises RulesError listing the problems


GUIDE = Path(__file__).resolve().parents[2] / "docs" / "xlsform-scoring.md"


def guide_examples():
    text = GUIDE.read_text(encoding="utf-8")
    return re.findall(r"<!-- example: (\w+) -->\n(.*?)<!-- /example -->", text, re.DOTALL)


@pytest.mark.parametrize("name, markdown", guide_examples(), ids=lambda value: value if len(value) < 20 else "")
def test_the_examples_of_the_designer_guide_are_valid_workbooks(name, markdown):
    data = xlsx_from_markdown(markdown)
    converted = convert_xlsform(data, XLSX, name, validate=False, max_unzipped=10 * 1024 * 1024)
    types = {field.path[-1]: field.type for field in read_fields(converted.xform)}
    rules = read_rules(read_scoring_sheets(data, "xlsx"), types, types)
    assert rules.style == {"points": "points", "levels": "levels"}[name]


def test_the_guide_has_both_examples():
    assert [name for name, _ in guide_examples()] == ["points", "levels"]
