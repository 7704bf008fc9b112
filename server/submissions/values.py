"""Answers read strictly, by their XForm type: a pure module.

ODK Collect writes integers and decimals with ASCII digits, dates as YYYY-MM-DD and a geopoint as
"lat lon [alt [acc]]"; anything else in an instance (superscript or Arabic-Indic digits, which Python's
isdigit() and float() accept, thousands of digits, "nan", "1e400") did not come from a well-behaved
client. Each check gives a BadValue that says, in Vietnamese and English, which field and why, so that a
submission that cannot be scored says so instead of breaking a listing.
"""

import re
from collections.abc import Iterable, Mapping
from datetime import date

from ..forms.fields import Field

MAX_DIGITS = 18  # an int64 has 19; nothing a volunteer counts comes near
INTEGER = re.compile(r"-?[0-9]{1,%d}" % MAX_DIGITS, re.ASCII)
DECIMAL = re.compile(r"-?(?:[0-9]{1,%d}(?:\.[0-9]{0,12})?|\.[0-9]{1,12})" % MAX_DIGITS, re.ASCII)
DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)
YEAR = re.compile(r"[0-9]{4}", re.ASCII)
CHOICE = re.compile(r"[^\s]{1,255}")
FIRST_YEAR, LAST_YEAR = 1900, 2100


class BadValue(ValueError):
    """An answer that is not a value of its field's type; .text is {"vi": …, "en": …}."""

    def __init__(self, field: str, value: str, vi: str, en: str):
        shown = value if len(value) <= 40 else value[:37] + "…"
        self.text = {"vi": f"trường {field}: {shown!r} {vi}", "en": f"field {field}: {shown!r} {en}"}
        super().__init__(self.text["en"])


def check_answer(name: str, xform_type: str, text: str) -> None:
    """:raise BadValue: `text` ('' is unanswered, always fine) is not a value of `xform_type`."""
    if not text:
        return
    check = _CHECKS.get(xform_type)
    if check is not None:
        check(name, text)


def check_answers(values: Mapping[str, str], types: Mapping[str, str]) -> None:
    """Check every answer by its field's type (fields named by the last step of their path).
    :raise BadValue: the first that is not right."""
    for name, text in values.items():
        check_answer(name, types.get(name, "string"), text)


def field_types(fields: Iterable[Field]) -> dict:
    """{field name: XForm type}, fields named as the scoring rules name them (the last step of the path)."""
    types = {}
    for field in fields:
        types.setdefault(field.path[-1], field.type)
    return types


def read_year(name: str, text: str) -> int | None:
    """An evaluation year written with four ASCII digits, 1900–2100; None when unanswered.
    :raise BadValue: anything else."""
    text = text.strip()
    if not text:
        return None
    if not YEAR.fullmatch(text) or not FIRST_YEAR <= int(text) <= LAST_YEAR:
        raise BadValue(name, text, f"không phải một năm ({FIRST_YEAR}–{LAST_YEAR})",
                       f"is not a year ({FIRST_YEAR}–{LAST_YEAR})")
    return int(text)


def read_geopoint(text: str) -> tuple | None:
    """(latitude, longitude, altitude or None, accuracy or None) of "lat lon [alt [acc]]" in ASCII decimals,
    latitude and longitude in range, accuracy not negative; None for anything else."""
    parts = text.split()
    if not 2 <= len(parts) <= 4 or not all(DECIMAL.fullmatch(part) for part in parts):
        return None
    numbers = [float(part) for part in parts] + [None] * (4 - len(parts))
    latitude, longitude, altitude, accuracy = numbers
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180) or (accuracy is not None and accuracy < 0):
        return None
    return latitude, longitude, altitude, accuracy


def _integer(name, text):
    if not INTEGER.fullmatch(text.strip()):
        raise BadValue(name, text, f"không phải một số nguyên (chữ số 0–9, tối đa {MAX_DIGITS} chữ số)",
                       f"is not an integer (digits 0–9, at most {MAX_DIGITS})")


def _decimal(name, text):
    if not DECIMAL.fullmatch(text.strip()):
        raise BadValue(name, text, "không phải một số thập phân (chữ số 0–9 và dấu chấm)",
                       "is not a decimal number (digits 0–9 and a point)")


def _date(name, text):
    match = DATE.fullmatch(text.strip())
    try:
        if match is None:
            raise ValueError
        date(*(int(group) for group in match.groups()))
    except ValueError:
        raise BadValue(name, text, "không phải một ngày (YYYY-MM-DD)", "is not a date (YYYY-MM-DD)") from None


def _geopoint(name, text):
    if read_geopoint(text) is None:
        raise BadValue(name, text, "không phải một tọa độ (vĩ độ kinh độ [độ cao [độ chính xác]])",
                       "is not a location (latitude longitude [altitude [accuracy]])")


def _select_one(name, text):
    if not CHOICE.fullmatch(text.strip()):
        raise BadValue(name, text, "không phải một lựa chọn", "is not one choice")


def _select_multiple(name, text):
    if not all(CHOICE.fullmatch(token) for token in text.split()):
        raise BadValue(name, text, "không phải các lựa chọn", "is not a list of choices")


_CHECKS = {"int": _integer, "integer": _integer, "decimal": _decimal, "date": _date, "geopoint": _geopoint,
           "select1": _select_one, "select": _select_multiple}  # pyxform binds selects as string: unchecked
