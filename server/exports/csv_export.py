"""ODK Central's CSV exports, streamed: `submissions.csv` (the root table) and `submissions.csv.zip` (the root table,
one CSV per repeat and, unless attachments=false, the received files under media/). Rows are written as the
database yields them; the repeat tables are spooled to temporary files (a zip holds one member after another) and
follow the root table, so memory stays flat however many submissions there are.

Cells are Central's, with one difference: a text cell that a spreadsheet would run as a formula (= + - @ tab CR,
numbers aside) gets a ' in front, as in every table the server writes (tables/cells.py).
"""

import csv
import io
import json
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

from zipstream import ZIP_DEFLATED, ZIP_STORED, ZipStream

from ..blobs.service import blob_store
from ..forms.schema import schema_fields
from ..forms.structure import read_structure
from ..safexml import parse_stored_xml
from ..tables import FORMULA_STARTS
from .queries import FormRef, StoredAsk, batches, exported_submissions, present_media
from .stored_rows import Keeper, fields_key
from .tables import ROOT_METADATA, Layout, layout_of, metadata_cells, safe_file_name, submission_rows

FORMULA_FIRST = frozenset(FORMULA_STARTS)
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
FLUSH_ROWS = 200  # rows per chunk sent
MEDIA_BATCH = 500  # versions whose files are looked up at once
SPOOL_BYTES = 1 << 20  # a repeat table stays in memory up to this, then goes to a temporary file


@dataclass(frozen=True)
class CsvOptions:
    attachments: bool = True
    group_paths: bool = True
    split_select_multiples: bool = False
    deleted_fields: bool = False
    bom: bool = False  # Minh Chứng's: a UTF-8 byte order mark, so that Excel opens the CSV by double-click


def export_layout(xml_form_id: str, form_defs, options: CsvOptions, root_only: bool) -> Layout:
    """The tables of the form version `form_defs[0]` (with deleted_fields, merged with the older `form_defs`)."""
    fields = schema_fields(form_defs[0].xml.encode("utf-8"))
    if options.deleted_fields:
        for older in form_defs[1:]:
            fields = merge_fields(fields, schema_fields(older.xml.encode("utf-8")))
    select_values = choice_values(form_defs[0]) if options.split_select_multiples else None
    return layout_of(fields, xml_form_id, group_paths=options.group_paths, root_only=root_only,
                     select_values=select_values)


def merge_fields(fields: tuple, older: tuple) -> tuple:
    """`fields` with those of an `older` version it lacks (Central's deletedFields), each placed after the field
    before it in the older version (after that field's children), so every table stays in one piece."""
    merged = list(fields)
    paths = {field.path for field in merged}
    previous = None
    for field in older:
        if field.path not in paths:
            position = 0 if previous is None else next(
                index for index, item in enumerate(merged) if item.path == previous) + 1
            while position < len(merged) and previous and merged[position].path.startswith(previous + "/"):
                position += 1
            merged.insert(position, field)
            paths.add(field.path)
        previous = field.path
    return tuple(merged)


def choice_values(form_def) -> dict:
    """{select_multiple path: [choice values]} from the form's static choices (Central counts the values seen
    in submissions; the choices give the same columns before any arrive)."""
    structure = read_structure(form_def.xml.encode("utf-8"))
    return {"/" + "/".join(path): list(question.choices)
            for path, question in structure.questions.items() if question.choices}


class _StoredCells:
    """The cells of each version under a layout's fields, read from its stored row or made from its XML (and then
    kept: stored_rows.py). Cells are made under the whole layout (repeats included) whatever the export writes,
    so that a row kept by submissions.csv serves the zip too."""

    def __init__(self, layout: Layout):
        fields = tuple(layout.fields.values())
        select_values = {path: known for table in (layout.root, *layout.repeats)
                         for path, known in table.select_values.items()}
        self.key = fields_key(fields, select_values)
        self.layout = layout_of(fields, "", select_values=select_values or None)
        self.keeper = Keeper(self.key, "csv")
        self.maker = _Writer(False)

    def of(self, exported) -> tuple[str, str | None]:
        """(the root row's SubmissionDate and answer cells as CSV text, which never change; the repeat tables' lines
        as JSON)."""
        if exported.cells is not None:
            return exported.cells, exported.rest
        row, repeats = submission_rows(self.layout, parse_stored_xml(exported.xml.encode("utf-8")), exported.meta)
        answers = row[1:len(row) - len(ROOT_METADATA)]
        cells = row[0] + (self.maker.line(["", *answers])[:-1] if answers else "")
        lines = {path: "".join(self.maker.line(item) for item in rows) for path, rows in repeats.items() if rows}
        rest = json.dumps(lines, ensure_ascii=False) if lines else None
        self.keeper.add(exported.def_id, cells, rest)
        return cells, rest


def root_csv(form: FormRef, layout: Layout, scope, filters, options: CsvOptions, condition) -> Iterator[bytes]:
    """submissions.csv: the root table only (`layout` made with root_only)."""
    writer = _Writer(options.bom)
    stored = _StoredCells(layout)
    yield writer.row(layout.root.header)
    rows = exported_submissions(form, scope, filters, condition, stored=StoredAsk(stored.key, "csv", False))
    for number, exported in enumerate(rows, 1):
        writer.add_stored(exported.meta, stored.of(exported)[0])
        if number % FLUSH_ROWS == 0:
            yield writer.take()
    stored.keeper.finish()
    yield writer.take()


def csv_zip(form: FormRef, layout: Layout, scope, filters, options: CsvOptions, condition) -> Iterator[bytes]:
    """submissions.csv.zip: the root table first, then each repeat's, then media/ (unless attachments=false)."""
    spools = {table.path: tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) for table in layout.repeats}
    def_ids = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, mode="w+")
    archive = ZipStream(compress_type=ZIP_DEFLATED)
    try:
        archive.add(_root_member(form, layout, scope, filters, options, condition, spools, def_ids),
                    layout.root.file_name)
        yield from archive.all_files()
        for table in layout.repeats:
            archive.add(_spooled(spools[table.path]), table.file_name)
            yield from archive.all_files()
        if options.attachments:
            def_ids.seek(0)
            written = set()
            for batch in batches((int(line) for line in def_ids), MEDIA_BATCH):
                for name, sha256, _ in present_media(batch):
                    member = "media/" + safe_file_name(name)
                    if member in written:
                        continue
                    written.add(member)
                    archive.add(_blob_chunks(sha256), member, compress_type=ZIP_STORED)
                    yield from archive.all_files()
        yield from archive.footer()
    finally:
        for spool in spools.values():
            spool.close()
        def_ids.close()


def _root_member(form, layout, scope, filters, options, condition, spools, def_ids):
    writer = _Writer(options.bom)
    repeat_writers = {table.path: _Writer(options.bom) for table in layout.repeats}
    yield writer.row(layout.root.header)
    for table in layout.repeats:
        spools[table.path].write(repeat_writers[table.path].row(table.header))
    stored = _StoredCells(layout)
    rows = exported_submissions(form, scope, filters, condition,
                                stored=StoredAsk(stored.key, "csv", bool(layout.repeats)))
    for number, exported in enumerate(rows, 1):
        cells, rest = stored.of(exported)
        writer.add_stored(exported.meta, cells)
        if rest is not None:
            for path, lines in json.loads(rest).items():
                repeat_writers[path].add_text(lines)
        if exported.meta.attachments_present:  # the versions whose files media/ holds
            def_ids.write(f"{exported.def_id}\n")
        if number % FLUSH_ROWS == 0:
            for path, repeat_writer in repeat_writers.items():
                spools[path].write(repeat_writer.take())
            yield writer.take()
    stored.keeper.finish()
    for path, repeat_writer in repeat_writers.items():
        spools[path].write(repeat_writer.take())
    yield writer.take()


def _spooled(spool, size=1 << 16):
    spool.seek(0)
    while chunk := spool.read(size):
        yield chunk


def _blob_chunks(sha256, size=1 << 16):
    with blob_store().open(sha256) as stream:
        while chunk := stream.read(size):
            yield chunk



class _Writer:
    """CSV rows as Central writes them (comma, \\n, quotes only where needed), formula-safe, in UTF-8 chunks."""

    def __init__(self, bom: bool):
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\n")
        self.bom = "\ufeff" if bom else ""

    def add(self, row):
        # csv writes None as "" and numbers as str(); only text that starts like a formula needs a look
        self.writer.writerow([_cell(value) if value.__class__ is str and value[:1] in FORMULA_FIRST else value
                              for value in row])

    def add_stored(self, meta, cells: str):
        """A root row from its stored cells (_StoredCells) and the submission's metadata."""
        self.buffer.write(cells + ",")
        self.add(metadata_cells(meta))

    def add_text(self, text: str):
        self.buffer.write(text)

    def row(self, row) -> bytes:
        self.add(row)
        return self.take()

    def line(self, row) -> str:
        """One row as CSV text, ending in \n (nothing else buffered)."""
        self.add(row)
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text

    def take(self) -> bytes:
        text, self.bom = self.bom + self.buffer.getvalue(), ""
        self.buffer.seek(0)
        self.buffer.truncate()
        return text.encode("utf-8")


def _cell(value) -> str:
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(text):
        return "'" + text
    return text
