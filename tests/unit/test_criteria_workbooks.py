"""The workbooks in xlsforms/: each converts with pyxform and passes ODK Validate, speaks Vietnamese and English
on every label, and the criteria workbooks have what a volunteer at the door needs (hamlet first, then the
subject filtered by it, GPS, photos at 1024 px, the start/end/today/deviceid metadata).

That forms/ matches the workbooks is tests/unit/test_forms_in_sync.py. The `scoring` and `recognition` sheets are
only checked here for what the survey must provide (every `${field}` and evidence name exists); the rules
themselves are the scoring validator's business.
"""

import re
import tempfile
from pathlib import Path

import openpyxl
import pytest
from pyxform.xls2xform import convert

from server.forms.build import workbooks
from server.forms.xlsform import validate_xform

VI, EN = "Tiếng Việt (vi)", "English (en)"
CRITERIA_WORKBOOKS = {
    "gia_dinh_hoc_tap": "ho_gia_dinh.csv",
    "dong_ho_hoc_tap": "dong_ho.csv",
    "cong_dong_hoc_tap": "thon.csv",
    "don_vi_hoc_tap": "don_vi.csv",
    "don_vi_hoc_tap_tt24": "don_vi.csv",
    "cong_dan_hoc_tap": "cong_dan.csv",
}
TRANSLATED = ("label", "hint", "constraint_message", "required_message")
ALL = workbooks()
CRITERIA = [path for path in ALL if path.stem in CRITERIA_WORKBOOKS]


def rows(path, sheet):
    """(spreadsheet row number, {lower-case header: text}) for every non-empty row of a sheet."""
    table = list(openpyxl.load_workbook(path, read_only=True)[sheet].iter_rows(values_only=True))
    header = [str(cell).strip().lower() if cell is not None else None for cell in table[0]]
    found = []
    for number, values in enumerate(table[1:], start=2):
        row = {key: str(value).strip() for key, value in zip(header, values) if key and value not in (None, "")}
        if row:
            found.append((number, row))
    return found


def survey_fields(path):
    return {row["name"]: row["type"] for _, row in rows(path, "survey")
            if row.get("name") and row.get("type") not in ("end group", "end repeat")}


@pytest.fixture(scope="module")
def xforms():
    converted = {}
    with tempfile.TemporaryDirectory() as directory:
        for path in ALL:
            copy = Path(directory) / path.name
            copy.write_bytes(path.read_bytes())
            warnings = []
            result = convert(xlsform=str(copy), validate=False, warnings=warnings)
            converted[path.stem] = (result.xform, warnings)
    return converted


def test_every_criteria_workbook_is_there():
    assert sorted(path.stem for path in CRITERIA) == sorted(CRITERIA_WORKBOOKS)


@pytest.mark.parametrize("path", ALL, ids=lambda path: path.stem)
def test_converts_with_pyxform_in_both_languages(path, xforms):
    xform, warnings = xforms[path.stem]
    assert warnings == []
    assert f'<translation lang="{VI}" default="true()">' in xform
    assert f'<translation lang="{EN}">' in xform


@pytest.mark.slow
@pytest.mark.parametrize("path", ALL, ids=lambda path: path.stem)
def test_passes_odk_validate(path, xforms):
    assert isinstance(validate_xform(xforms[path.stem][0].encode("utf-8")), list)


@pytest.mark.parametrize("path", ALL, ids=lambda path: path.stem)
def test_every_label_hint_and_message_is_in_vietnamese_and_english(path):
    missing = []
    for sheet in ("survey", "choices"):
        for number, row in rows(path, sheet):
            for column in TRANSLATED:
                vi, en = row.get(f"{column}::{VI}".lower()), row.get(f"{column}::{EN}".lower())
                if row.get(column) or bool(vi) != bool(en):
                    missing.append(f"{sheet} row {number} ({row.get('name')}): {column}")
            if sheet == "choices" and not row.get(f"label::{VI}".lower()):
                missing.append(f"choices row {number}: no label")
    assert missing == []


@pytest.mark.parametrize("path", ALL, ids=lambda path: path.stem)
def test_settings(path):
    (_, settings), = rows(path, "settings")
    assert settings["form_id"] == path.stem
    assert settings["default_language"] == VI
    assert settings["version"] and settings["instance_name"] and settings["form_title"]


@pytest.mark.parametrize("path", CRITERIA, ids=lambda path: path.stem)
def test_a_volunteer_picks_the_hamlet_then_the_subject(path):
    survey = {row["name"]: row for _, row in rows(path, "survey") if row.get("name")}
    assert survey["thon"]["type"] == "select_one_from_file thon.csv"
    registry = CRITERIA_WORKBOOKS[path.stem]
    subjects = [row for row in survey.values() if row["type"] == f"select_one_from_file {registry}"]
    assert len(subjects) == 1
    if registry != "thon.csv":
        assert re.search(r"\$\{(thon|xa)\}", subjects[0]["choice_filter"])
    order = list(survey)
    assert order.index("thon") <= order.index(subjects[0]["name"])


@pytest.mark.parametrize("path", CRITERIA, ids=lambda path: path.stem)
def test_metadata_gps_and_evidence_photos(path):
    survey = [row for _, row in rows(path, "survey")]
    types = {row["type"] for row in survey}
    assert {"start", "end", "today", "deviceid", "geopoint"} <= types
    photos = [row for row in survey if row["type"] == "image"]
    assert photos and all(row.get("parameters") == "max-pixels=1024" for row in photos)
    for row in survey:
        if row.get("name") and row["type"] not in ("end group", "end repeat"):
            assert re.fullmatch(r"[a-z][a-z0-9_]*", row["name"]), row["name"]


@pytest.mark.parametrize("path", CRITERIA, ids=lambda path: path.stem)
def test_scoring_sheets_refer_only_to_survey_fields(path):
    fields = survey_fields(path)
    unknown = []
    for sheet in ("scoring", "recognition"):
        for number, row in rows(path, sheet):
            for column, text in row.items():
                if column in ("condition", "score", "value") or column.startswith("reason::"):
                    unknown += [f"{sheet} row {number} {column}: {name}"
                                for name in re.findall(r"\$\{([^}]*)\}", text) if name not in fields]
            unknown += [f"{sheet} row {number} evidence: {name}"
                        for name in row.get("evidence", "").split() if name not in fields]
    assert unknown == []


@pytest.mark.parametrize("path", CRITERIA, ids=lambda path: path.stem)
def test_every_rule_says_where_it_comes_from(path):
    for number, row in rows(path, "scoring"):
        assert row.get("source"), f"scoring row {number}"
        assert row.get("status") in ("official", "provisional"), f"scoring row {number}"
        if row["status"] == "provisional":
            assert row.get("note"), f"scoring row {number}: a provisional rule says why"
