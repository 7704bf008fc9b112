"""submissions.xlsx (Minh Chứng's, beside Central's CSV): the same tables as the CSV zip, one sheet each, that Excel
opens by double-click with every diacritic intact, and a last column of the root sheet with each submission's
evidence flags. Row 1 holds each column's label in the chosen language (the
form's label, or ours for Central's metadata columns), row 2 Central's column names, then the data: numbers as
numbers, the submission date as a date and time in Asia/Ho_Chi_Minh, text formula-safe. Written as it is sent
(xlsx_stream.py): the first bytes leave at once and memory stays flat."""

import datetime as dt
from collections.abc import Iterator

from flask_babel import force_locale
from flask_babel import gettext as _

from ..db import LOCAL_TIME
from ..evidence import queries as evidence_queries
from ..evidence.labels import kind_label
from ..evidence.service import shown_kinds
from ..forms.structure import label_in, read_structure
from ..safexml import parse_stored_xml
from ..tables import csv_safe
from .csv_export import CsvOptions
from .queries import BATCH, FormRef, batches, exported_submissions
from .tables import GEOPOINT_PARTS, ROOT_METADATA, Layout, submission_rows
from .xlsx_stream import sheet_title, workbook

NUMBER_TYPES = ("int", "decimal")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def metadata_labels() -> dict:
    """Central's column names, as a person reads them (in the current locale)."""
    return {"SubmissionDate": _("Submission date"), "KEY": _("Key"), "SubmitterID": _("Submitter ID"),
            "SubmitterName": _("Submitted by"), "AttachmentsPresent": _("Files received"),
            "AttachmentsExpected": _("Files expected"), "Status": _("Status"), "ReviewState": _("Review state"),
            "DeviceID": _("Device ID"), "Edits": _("Edits"), "FormVersion": _("Form version"),
            "PARENT_KEY": _("Parent key")}


def column_labels(layout_table, fields: dict, form_xml: str, lang: str) -> list[str]:
    """Row 1 of a sheet: each column's label."""
    with force_locale(lang):
        fixed = metadata_labels()
        parts = {"Latitude": _("latitude"), "Longitude": _("longitude"), "Altitude": _("altitude"),
                 "Accuracy": _("accuracy")}
    questions = read_structure(form_xml.encode("utf-8")).questions
    labels = [fixed.get(name, "") for name in layout_table.header]
    for path, index in layout_table.columns.items():
        question = questions.get(tuple(path.strip("/").split("/")))
        text = label_in(question.label, lang) if question is not None else ""
        text = text or path.rpartition("/")[2]
        if fields[path].type == "geopoint":
            for offset, part in enumerate(GEOPOINT_PARTS):
                labels[index + offset] = f"{text} ({parts[part]})"
        else:
            labels[index] = text
    return labels


def submissions_xlsx(form: FormRef, layout: Layout, form_xml: str, scope, filters, condition, options: CsvOptions,
                     lang: str = "vi") -> Iterator[bytes]:
    """The workbook, written as it is sent (xlsx_stream.py): the root table's sheet first, then each repeat's."""
    return workbook(_sheet_rows(form, layout, form_xml, scope, filters, condition, lang))


def _sheet_rows(form, layout, form_xml, scope, filters, condition, lang):
    """(sheet title, cells) of every row: each sheet's two header rows, then the submissions' rows."""
    tables = [layout.root, *layout.repeats]
    titles = {}
    with force_locale(lang):
        flags_label = _("Evidence flags")
    for table in tables:
        titles[table.path] = sheet_title(table.file_name.removesuffix(".csv"), titles.values())
        extra = ([flags_label], ["Flags"]) if table.path == "" else ([], [])  # Minh Chứng's column, after Central's
        yield titles[table.path], [csv_safe(label) for label in column_labels(table, layout.fields, form_xml, lang)
                                   ] + extra[0]
        yield titles[table.path], list(table.header) + extra[1]
    numeric = {table.path: _numeric_columns(table, layout.fields) for table in tables}
    kinds = shown_kinds(form.project_id)
    for batch in batches(exported_submissions(form, scope, filters, condition), BATCH):
        flagged = evidence_queries.kinds_by_def([exported.def_id for exported in batch], kinds)
        with force_locale(lang):
            named = {def_id: "; ".join(kind_label(kind) for kind in found) for def_id, found in flagged.items()}
        for exported in batch:
            row, repeats = submission_rows(layout, parse_stored_xml(exported.xml.encode("utf-8")), exported.meta)
            row[0] = exported.meta.created_at.astimezone(LOCAL_TIME).replace(tzinfo=None)
            flags = named.get(exported.def_id)
            yield titles[""], [*_cells(row, numeric[""]), csv_safe(flags) if flags else None]
            for path, rows in repeats.items():
                for repeat_row in rows:
                    yield titles[path], _cells(repeat_row, numeric[path])


def _numeric_columns(table, fields) -> set:
    found = {index for path, index in table.columns.items() if fields[path].type in NUMBER_TYPES}
    for path, index in table.columns.items():
        if fields[path].type == "geopoint":
            found.update(range(index, index + 4))
    if table.path == "":
        start = len(table.header) - len(ROOT_METADATA)
        found.update(start + ROOT_METADATA.index(name) for name in ("SubmitterID", "AttachmentsPresent",
                                                                      "AttachmentsExpected", "Edits"))
    return found


def _cells(row, numeric):
    cells = []
    for index, value in enumerate(row):
        if isinstance(value, dt.datetime | int | float) and not isinstance(value, bool):
            cells.append(value)
        elif value is None:
            cells.append(None)
        elif index in numeric:
            cells.append(_number(value))
        else:
            cells.append(csv_safe(value))
    return cells


def _number(text):
    try:
        number = float(text)
    except ValueError:
        return csv_safe(text)
    if number != number or number in (float("inf"), float("-inf")):
        return csv_safe(text)
    return int(number) if number.is_integer() and abs(number) < 2 ** 53 else number
