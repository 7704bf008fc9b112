"""An XLSX workbook written as it is sent, so a long export's first bytes leave at once and the browser shows its
progress (openpyxl and XlsxWriter only write a workbook out when it is finished).

An XLSX file is a zip of XML parts; zip members may come in any order, so the first sheet's rows go out as they
come, every other sheet's rows wait in a temporary file (spilled to disk past a few MiB) until the first sheet
ends, and the parts that name the sheets (workbook, relationships, content types, styles) come last. Cells are
numbers, text written inline (no shared-strings table to hold in memory), booleans, and dates and times in a
"yyyy-mm-dd hh:mm:ss" style; characters XML cannot hold are dropped, text is cut at Excel's 32,767 characters."""

import datetime as dt
import logging
import math
import re
import tempfile
from collections.abc import Iterable, Iterator
from xml.sax.saxutils import escape, quoteattr

from zipstream import ZIP_DEFLATED, ZipStream

SPOOL_BYTES = 4 << 20
FLUSH_ROWS = 200
FIRST_SHEET = "xl/worksheets/sheet1.xml"
MAX_ROWS = 1_048_576  # Excel's rows per sheet
MAX_SHEET_CHARACTERS = 900_000_000  # at most 4 bytes each in UTF-8: a sheet's XML stays below 4 GiB
CELL_TEXT_LIMIT = 32_767
EPOCH = dt.datetime(1899, 12, 30)  # Excel's day 0 (in its 1900 date system, past 1 March 1900)
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
SHEET_START = f'{HEAD}<worksheet xmlns="{MAIN}"><sheetData>'.encode()
SHEET_END = b"</sheetData></worksheet>"
STYLES = (f'{HEAD}<styleSheet xmlns="{MAIN}">'
          '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
          '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
          '<fills count="2"><fill><patternFill patternType="none"/></fill>'
          '<fill><patternFill patternType="gray125"/></fill></fills>'
          '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
          '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
          '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
          '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
          '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
          "</styleSheet>")


def column_name(index: int) -> str:
    """A column's letters from its 0-based index: 0 → A, 25 → Z, 26 → AA."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def cell_xml(ref: str, value) -> str:
    """One cell: None is no cell; numbers and booleans as Excel's own, datetimes (naive: as they are to be shown) in
    the date style, anything else as inline text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int) and abs(value) < 10 ** 15 or isinstance(value, float) and math.isfinite(value):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    if isinstance(value, dt.datetime):
        return f'<c r="{ref}" s="1"><v>{(value.replace(tzinfo=None) - EPOCH) / dt.timedelta(days=1)!r}</v></c>'
    text = NOT_XML.sub("", str(value))[:CELL_TEXT_LIMIT]
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def sheet_title(name: str, taken: Iterable[str]) -> str:
    """A sheet name Excel takes: at most 31 characters, none of []:*?/\\, no ' at either end, unique in any case."""
    base = name[-31:]
    for character in "[]:*?/\\":
        base = base.replace(character, "_")
    base = base.strip("'") or "data"
    taken = {title.lower() for title in taken}
    title, number = base, 1
    while title.lower() in taken:
        title, number = f"{base[:27]}~{number}", number + 1
    return title


class _Sheet:
    def __init__(self, number: int, title: str, spooled: bool):
        self.number, self.title, self.rows, self.characters = number, title, 0, 0
        self.spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) if spooled else None
        self.columns: list[str] = []
        if self.spool is not None:
            self.spool.write(SHEET_START)

    def full(self, max_rows: int) -> bool:
        return self.rows >= max_rows or self.characters >= MAX_SHEET_CHARACTERS

    def row_xml(self, cells: list) -> str:
        self.rows += 1
        while len(self.columns) < len(cells):
            self.columns.append(column_name(len(self.columns)))
        number = self.rows
        text = (f'<row r="{number}">'
                + "".join(cell_xml(f"{self.columns[index]}{number}", value) for index, value in enumerate(cells))
                + "</row>")
        self.characters += len(text)
        return text


def workbook(rows: Iterable[tuple[str, list]], max_rows: int = MAX_ROWS) -> Iterator[bytes]:
    """The XLSX bytes of `rows`: (sheet title, cells) in any order, a sheet made where its title first comes, the
    sheets in that order. Titles must be valid sheet names (sheet_title). A sheet that reaches `max_rows` (Excel's
    1,048,576) goes on in another, "title (2)". With no rows at all, one empty sheet."""
    archive = ZipStream(compress_type=ZIP_DEFLATED)
    sheets: list[_Sheet] = []
    try:
        # a size (0: not the size, a promise that it stays below 4 GiB, as the sheets roll over well before) keeps
        # zip64 fields out of the member's local header, which not every spreadsheet program reads
        archive.add(_first_sheet(iter(rows), sheets, max_rows), FIRST_SHEET, size=0)
        yield from archive.all_files()
        if not sheets:
            sheets.append(_Sheet(1, "Sheet1", False))
        for sheet in sheets[1:]:
            sheet.spool.write(SHEET_END)
            size = sheet.spool.tell()
            sheet.spool.seek(0)
            archive.add(iter(lambda spool=sheet.spool: spool.read(1 << 16), b""),
                        f"xl/worksheets/sheet{sheet.number}.xml", size=size)
            yield from archive.all_files()
        for name, text in _package_parts(sheets):
            archive.add(text.encode("utf-8"), name)
        yield from archive.all_files()
        yield from archive.footer()
    finally:
        for sheet in sheets:
            if sheet.spool is not None:
                sheet.spool.close()


class _SizeHintFilter(logging.Filter):
    """zipstream-ng warns when a member's size differs from the one given: the first sheet's always does."""

    def filter(self, record):
        return not (record.msg.startswith("Size mismatch") and record.args and record.args[0] == FIRST_SHEET)


logging.getLogger("zipstream.ng").addFilter(_SizeHintFilter())


def _first_sheet(rows, sheets, max_rows):
    """The first sheet's XML as its rows come; every other sheet's rows into its spool."""
    yield SHEET_START
    buffer, current, parts = [], {}, {}
    for title, cells in rows:
        sheet = current.get(title)
        if sheet is None or sheet.full(max_rows):
            parts[title] = parts.get(title, 0) + 1
            name = title if parts[title] == 1 else sheet_title(f"{title} ({parts[title]})",
                                                                (item.title for item in sheets))
            sheet = current[title] = _Sheet(len(sheets) + 1, name, spooled=bool(sheets))
            sheets.append(sheet)
        if sheet.spool is None:
            buffer.append(sheet.row_xml(cells))
            if len(buffer) >= FLUSH_ROWS:
                yield "".join(buffer).encode("utf-8")
                buffer = []
        else:
            sheet.spool.write(sheet.row_xml(cells).encode("utf-8"))
    yield "".join(buffer).encode("utf-8") + SHEET_END


def _package_parts(sheets: list[_Sheet]):
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    yield "[Content_Types].xml", (
        f'{HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{kind}.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{kind}.styles+xml"/>'
        + "".join(f'<Override PartName="/xl/worksheets/sheet{sheet.number}.xml" ContentType="{kind}.worksheet+xml"/>'
                  for sheet in sheets) + "</Types>")
    yield "_rels/.rels", (
        f'{HEAD}<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" '
        f'Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    yield "xl/workbook.xml", (
        f'{HEAD}<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets>'
        + "".join(f'<sheet name={quoteattr(NOT_XML.sub("", sheet.title))} sheetId="{sheet.number}" '
                  f'r:id="rId{sheet.number}"/>' for sheet in sheets) + "</sheets></workbook>")
    yield "xl/_rels/workbook.xml.rels", (
        f'{HEAD}<Relationships xmlns="{PACKAGE}">'
        + "".join(f'<Relationship Id="rId{sheet.number}" Type="{RELATIONSHIPS}/worksheet" '
                  f'Target="worksheets/sheet{sheet.number}.xml"/>' for sheet in sheets)
        + f'<Relationship Id="rId{len(sheets) + 1}" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/>'
        + "</Relationships>")
    yield "xl/styles.xml", STYLES
