"""One cell as text, a header as a key, and the formula escape that keeps Excel from running a cell. Pure."""

import datetime
import unicodedata

# Cells starting with these are formulas to Excel and LibreOffice (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SPREADSHEET_BOOLEANS = ("TRUE", "FALSE")  # as pyxform reads a workbook's booleans


def header_key(text: str) -> str:
    """'Mã cha' → 'ma_cha', 'Parent Code' → 'parent_code': no accents, lower case, underscores."""
    text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).strip().lower()
    return "_".join(text.replace("-", " ").split())


def cell_text(value: object, booleans: tuple = ("true", "false")) -> str:
    """A cell as text: whole numbers without '.0', dates as ISO 8601, None as '', booleans as `booleans`
    (pyxform, and so the criteria sheets, reads them as TRUE and FALSE: SPREADSHEET_BOOLEANS)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return booleans[0] if value else booleans[1]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value).replace("\u00a0", " ").strip()


def unescape_formula(text: str) -> str:
    """Undo csv_safe on re-import: "'=x" written by our export reads back as "=x"."""
    if text.startswith("'") and text[1:2] and text[1] in FORMULA_STARTS:
        return text[1:]
    return text


def csv_safe(value: object) -> str:
    """A cell Excel shows as text, never runs: a leading = + - @ tab or CR gets a ' in front (OWASP)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
