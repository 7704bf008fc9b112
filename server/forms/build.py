"""Build forms/ (XForms) from xlsforms/ (the spreadsheets designers edit): one XForm per workbook."""

from pathlib import Path

from .xform import read_xform
from .xlsform import XLS_CONTENT_TYPE, XLSX_CONTENT_TYPE, convert_xlsform

REPO_ROOT = Path(__file__).resolve().parents[2]
XLSFORM_DIR = REPO_ROOT / "xlsforms"
XFORM_DIR = REPO_ROOT / "forms"


def workbooks(xlsform_dir=XLSFORM_DIR):
    return sorted(path for path in Path(xlsform_dir).iterdir()
                  if path.suffix in (".xlsx", ".xls") and not path.name.startswith(("~$", ".")))


def content_type_of(path):
    return XLS_CONTENT_TYPE if Path(path).suffix == ".xls" else XLSX_CONTENT_TYPE


def build_xforms(xlsform_dir=XLSFORM_DIR, validate=True):
    """Return {file name in forms/: XForm bytes} for every workbook."""
    built = {}
    for path in workbooks(xlsform_dir):
        converted = convert_xlsform(path.read_bytes(), content_type_of(path), path.stem, validate=validate,
                                    max_unzipped=500 * 1024 * 1024, pretty_print=True)
        built[read_xform(converted.xform).xml_form_id + ".xml"] = converted.xform
    return built


def drifted_xforms(built, xform_dir=XFORM_DIR):
    """Names in forms/ that are missing, stale, or no longer built from any workbook."""
    xform_dir = Path(xform_dir)
    present = {path.name: path.read_bytes() for path in xform_dir.glob("*.xml")}
    return sorted(name for name in set(built) | set(present) if built.get(name) != present.get(name))
