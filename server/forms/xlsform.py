"""The pyxform adapter: XLSForm bytes in, XForm text (or a row-level error) out.

Spreadsheets are untrusted: an .xlsx is a zip archive, so we read its central directory first and
refuse archives whose members would inflate beyond a bound (a "zip bomb") before openpyxl opens it.
ODK Validate (the JavaRosa jar shipped inside pyxform) runs on every conversion, as Central's
pyxform-http does, so that whatever we publish also opens in ODK Collect.
"""

import io
import os
import shutil
import tempfile
import uuid
import zipfile
from dataclasses import dataclass
from urllib.parse import unquote

from pyxform.errors import PyXFormError
from pyxform.validators import odk_validate
from pyxform.validators.odk_validate import ODKValidateError
from pyxform.xls2xform import convert

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLS_CONTENT_TYPE = "application/vnd.ms-excel"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_ZIP_MEMBERS = 2000


class XLSFormError(ValueError):
    """The spreadsheet could not become an XForm; `message` is pyxform's (or ours) for a person."""

    def __init__(self, message, warnings=()):
        super().__init__(message)
        self.message = message
        self.warnings = list(warnings)


class ValidatorUnavailable(RuntimeError):
    """ODK Validate cannot run on this machine (no Java)."""


@dataclass(frozen=True)
class Conversion:
    xform: bytes
    warnings: list
    itemsets: bytes | None


def convert_xlsform(data: bytes, content_type: str, form_id_fallback: str, *, validate: bool, max_unzipped: int,
                    pretty_print: bool = False) -> Conversion:
    """Convert an XLSForm; raise XLSFormError with pyxform's own message when it is not valid."""
    file_type = check_spreadsheet(data, content_type, max_unzipped)
    if validate:
        require_java()
    # pyxform takes the default form ID from the file's stem, so the upload is written under that name.
    with tempfile.TemporaryDirectory(prefix="minhchung-xlsform-") as directory:
        path = os.path.join(directory, fallback_file_stem(form_id_fallback) + file_type)
        with open(path, "wb") as handle:
            handle.write(data)
        return _convert_file(path, file_type, validate, pretty_print)


def _convert_file(path, file_type, validate, pretty_print):
    try:
        result = convert(xlsform=path, file_type=file_type, validate=validate, pretty_print=pretty_print, warnings=[])
    except ODKValidateError as error:
        raise XLSFormError(clean_validate_message(str(error))) from None
    except PyXFormError as error:
        raise XLSFormError(str(error)) from None
    except Exception as error:  # noqa: BLE001 - xlrd, openpyxl and zipfile raise many types on corrupt files
        raise XLSFormError(f"The spreadsheet could not be read ({error.__class__.__name__}: {error}).") from None
    itemsets = result.itemsets.encode("utf-8") if result.itemsets else None
    return Conversion(result.xform.encode("utf-8"), list(result.warnings), itemsets)


def fallback_file_stem(form_id_fallback: str | None) -> str:
    """The X-XlsForm-FormId-Fallback header as a safe file stem (pyodk sends a quoted file stem)."""
    stem = os.path.basename(unquote(form_id_fallback or "").replace("\\", "/")).strip()
    stem = "".join(ch for ch in stem if ch.isprintable() and ch not in '<>:"|?*')
    return stem.lstrip(".")[:200] or f"form_{uuid.uuid4().hex[:12]}"


def check_spreadsheet(data: bytes, content_type: str, max_unzipped: int) -> str:
    """Return pyxform's file type for `data`, refusing non-spreadsheets and zip bombs."""
    if content_type == XLS_CONTENT_TYPE:
        if not data.startswith(OLE2_MAGIC):
            raise XLSFormError("The file is not an Excel 97-2003 (.xls) workbook.")
        return ".xls"
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise XLSFormError("The file is not an Excel (.xlsx) workbook: it is not a zip archive.")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        # zipfile never inflates a member past its declared size, so bounding declared sizes bounds memory.
        unzipped = sum(member.file_size for member in members)
    if len(members) > MAX_ZIP_MEMBERS or unzipped > max_unzipped:
        raise XLSFormError(f"The workbook would unpack to {unzipped} bytes in {len(members)} parts; "
                           f"the limit is {max_unzipped} bytes. It is not a usable XLSForm.")
    if "xl/workbook.xml" not in {member.filename for member in members}:
        raise XLSFormError("The file is a zip archive but not an Excel workbook (no xl/workbook.xml).")
    return ".xlsx"


def validate_xform(xml: bytes) -> list:
    """Run ODK Validate on an XForm; return its warnings or raise XLSFormError with its errors."""
    require_java()
    with tempfile.TemporaryDirectory(prefix="minhchung-validate-") as directory:
        path = os.path.join(directory, "form.xml")
        with open(path, "wb") as handle:
            handle.write(xml)
        try:
            return list(odk_validate.check_xform(path) or [])
        except ODKValidateError as error:
            raise XLSFormError(clean_validate_message(str(error))) from None


def require_java() -> None:
    if shutil.which("java") is None:
        raise ValidatorUnavailable("Java is not installed or not on PATH. ODK Validate (JavaRosa, the engine "
                                   "inside ODK Collect) needs Java 8 or newer: install a JRE, e.g. "
                                   "'apt-get install default-jre-headless', or set MINHCHUNG_ODK_VALIDATE=0 "
                                   "to publish forms unchecked.")


def clean_validate_message(message: str) -> str:
    """ODK Validate's output includes the temporary file path; keep only what helps a designer."""
    lines = [line for line in message.splitlines() if line.strip() and "minhchung-validate-" not in line]
    return "\n".join(lines)
