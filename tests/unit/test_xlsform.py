"""server/forms/xlsform.py: which uploads count as spreadsheets, zip-bomb bounds, and the fallback file stem."""

import io
import re
import zipfile

import pytest

from server.forms.xlsform import (
    MAX_ZIP_MEMBERS,
    OLE2_MAGIC,
    XLS_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    XLSFormError,
    check_spreadsheet,
    fallback_file_stem,
)

LIMIT = 1000


def zipped(members, compression=zipfile.ZIP_DEFLATED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


WORKBOOK = {"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"}


def workbook_of_size(total):
    """A workbook-shaped zip whose members unpack to exactly `total` bytes."""
    filler = total - sum(len(data) for data in WORKBOOK.values())
    return zipped({**WORKBOOK, "xl/worksheets/sheet1.xml": b"0" * filler})


@pytest.mark.parametrize("data, content_type, file_type", [
    (zipped(WORKBOOK), XLSX_CONTENT_TYPE, ".xlsx"),
    (zipped(WORKBOOK, zipfile.ZIP_STORED), XLSX_CONTENT_TYPE, ".xlsx"),
    (workbook_of_size(LIMIT), XLSX_CONTENT_TYPE, ".xlsx"),
    (OLE2_MAGIC + bytes(504), XLS_CONTENT_TYPE, ".xls"),
])
def test_spreadsheets_are_recognised(data, content_type, file_type):
    assert check_spreadsheet(data, content_type, LIMIT) == file_type


@pytest.mark.parametrize("data, content_type, message", [
    (b"", XLSX_CONTENT_TYPE, "not a zip archive"),
    (b"hello", XLSX_CONTENT_TYPE, "not a zip archive"),
    (b"%PDF-1.4\n%%EOF\n", XLSX_CONTENT_TYPE, "not a zip archive"),
    (OLE2_MAGIC + bytes(504), XLSX_CONTENT_TYPE, "not a zip archive"),
    (zipped(WORKBOOK)[:40], XLSX_CONTENT_TYPE, "not a zip archive"),
    (zipped({"word/document.xml": "<w/>"}), XLSX_CONTENT_TYPE, "no xl/workbook.xml"),
    (zipped({}), XLSX_CONTENT_TYPE, "no xl/workbook.xml"),
    (b"", XLS_CONTENT_TYPE, "not an Excel 97-2003 (.xls) workbook"),
    (b"%PDF-1.4\n%%EOF\n", XLS_CONTENT_TYPE, "not an Excel 97-2003 (.xls) workbook"),
    (zipped(WORKBOOK), XLS_CONTENT_TYPE, "not an Excel 97-2003 (.xls) workbook"),
    (OLE2_MAGIC[:7], XLS_CONTENT_TYPE, "not an Excel 97-2003 (.xls) workbook"),
], ids=["empty-xlsx", "text", "pdf", "xls-bytes-as-xlsx", "truncated-zip", "docx-like", "empty-zip",
        "empty-xls", "pdf-as-xls", "xlsx-bytes-as-xls", "short-ole2"])
def test_non_spreadsheets_are_refused_with_a_reason(data, content_type, message):
    with pytest.raises(XLSFormError) as raised:
        check_spreadsheet(data, content_type, LIMIT)
    assert message in raised.value.message


@pytest.mark.parametrize("total, allowed", [(LIMIT, True), (LIMIT + 1, False), (100 * LIMIT, False)])
def test_unzipped_size_is_bounded_by_the_limit(total, allowed):
    data = workbook_of_size(total)
    if allowed:
        assert check_spreadsheet(data, XLSX_CONTENT_TYPE, LIMIT) == ".xlsx"
    else:
        with pytest.raises(XLSFormError) as raised:
            check_spreadsheet(data, XLSX_CONTENT_TYPE, LIMIT)
        assert f"would unpack to {total} bytes" in raised.value.message
        assert f"the limit is {LIMIT} bytes" in raised.value.message


def test_a_deflated_bomb_is_measured_by_its_declared_size_without_inflating():
    bomb = zipped({**WORKBOOK, "xl/worksheets/sheet1.xml": bytes(50 * 1024 * 1024)})
    assert len(bomb) < 100 * 1024  # 50 MiB of zeros deflate to ~50 KiB
    with pytest.raises(XLSFormError, match="would unpack to"):
        check_spreadsheet(bomb, XLSX_CONTENT_TYPE, 10 * 1024 * 1024)


@pytest.mark.parametrize("members, allowed", [(MAX_ZIP_MEMBERS, True), (MAX_ZIP_MEMBERS + 1, False)])
def test_member_count_is_bounded(members, allowed):
    data = zipped({**WORKBOOK, **{f"xl/media/{n}.bin": b"" for n in range(members - len(WORKBOOK))}})
    assert len(zipfile.ZipFile(io.BytesIO(data)).infolist()) == members
    if allowed:
        assert check_spreadsheet(data, XLSX_CONTENT_TYPE, LIMIT) == ".xlsx"
    else:
        with pytest.raises(XLSFormError, match=f"in {members} parts"):
            check_spreadsheet(data, XLSX_CONTENT_TYPE, LIMIT)


@pytest.mark.parametrize("header, stem", [
    ("tutorial", "tutorial"),
    ("pull_data", "pull_data"),
    ("UCL_Biomass_Plot_Form", "UCL_Biomass_Plot_Form"),
    ("Hộ gia đình", "Hộ gia đình"),
    ("Ho%20gia%20dinh", "Ho gia dinh"),
    ("form.v2", "form.v2"),
    ('"../../etc%2Fpasswd"', "passwd"),
    ("../../etc/passwd", "passwd"),
    ("..\\..\\Windows\\win.ini", "win.ini"),
    ("C:\\Users\\an\\Desktop\\khao_sat", "khao_sat"),
    ("/absolute/path/bieu_mau", "bieu_mau"),
    ("%2e%2e%2f%2e%2e%2fsecret", "secret"),
    ("...hidden", "hidden"),
    ("a<b>c:d|e?f*g\"h", "abcdefgh"),
    ("tab\there\x00nul", "tabherenul"),
    ("new%0Aline", "newline"),
    ("  padded  ", "padded"),
    ("x" * 500, "x" * 200),
], ids=lambda value: repr(value)[:30])
def test_fallback_file_stem(header, stem):
    assert fallback_file_stem(header) == stem


@pytest.mark.parametrize("header", [None, "", "   ", "..", "../", "%2e%2e", "///", '""', "\x00\x01"])
def test_fallback_file_stem_without_a_usable_name_is_a_fresh_placeholder(header):
    first, second = fallback_file_stem(header), fallback_file_stem(header)
    assert re.fullmatch(r"form_[0-9a-f]{12}", first)
    assert first != second


@pytest.mark.parametrize("header", ['"../../etc%2Fpasswd"', "../../../../tmp/x", "..\\..\\x", "%2F%2Froot",
                                    "a/../../b"])
def test_fallback_file_stem_never_leaves_the_directory(header):
    stem = fallback_file_stem(header)
    assert "/" not in stem and "\\" not in stem and not stem.startswith(".")
