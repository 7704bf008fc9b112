"""Every XLSForm in the shared corpus, uploaded as pyodk uploads it: valid ones publish and read back,
invalid ones get pyxform's (or ODK Validate's) own message as a 400.15 and create nothing.

The corpus lives beside the repository: /work/shared/corpus/xlsforms with EXPECTED.csv listing
file, expected (valid|invalid) and why.
"""

import csv
import hashlib
from pathlib import Path
from urllib.parse import quote

import pytest
from lxml import etree

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "xlsforms"
if not CORPUS.is_dir():
    pytest.skip(f"the XLSForm corpus is not present at {CORPUS}", allow_module_level=True)

CONTENT_TYPES = {".xls": "application/vnd.ms-excel",
                 ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
with open(CORPUS / "EXPECTED.csv", newline="", encoding="utf-8") as handle:
    ROWS = list(csv.DictReader(handle))
VALID = [row["file"] for row in ROWS if row["expected"] == "valid"]
INVALID = [row for row in ROWS if row["expected"] == "invalid"]

# What the person who uploaded each invalid form must be told; the fallback is EXPECTED.csv's "pyxform: …".
INVALID_MESSAGES = {
    "bad_calc.xlsx": ["ODK Validate", "Invalid calculate", "${badcalc}"],
    "calculate_without_calculation.xls": ["[row : 34] Missing calculation."],
    "duplicate_columns.xlsx": ["Duplicate column header: label"],
    "group_name_test.xls": ["[row : 3] Question or group with no name."],
    "unknown_question_type.xls": ["Invalid headers provided for sheet: 'survey'"],
}


def expected_messages(row):
    if row["file"] in INVALID_MESSAGES:
        return INVALID_MESSAGES[row["file"]]
    assert row["why"].startswith("pyxform: "), f"add {row['file']} to INVALID_MESSAGES"
    return [row["why"].removeprefix("pyxform: ")]


def settings_form_id(path):
    """The form ID the workbook's settings sheet declares (form_id, or its alias id_string), if any."""
    from pyxform.xls2json_backends import xls_to_dict, xlsx_to_dict
    workbook = (xls_to_dict if path.suffix == ".xls" else xlsx_to_dict)(str(path))
    settings = (workbook.get("settings") or [{}])[0]
    return settings.get("form_id") or settings.get("id_string")


def upload(client, headers, project_id, path, ignore_warnings=True):
    """POST the workbook exactly as pyodk's forms.create does."""
    query = "ignoreWarnings=true&publish=true" if ignore_warnings else "publish=true"
    return client.post(f"/v1/projects/{project_id}/forms?{query}", data=path.read_bytes(), headers={
        **headers, "Content-Type": CONTENT_TYPES[path.suffix], "X-XlsForm-FormId-Fallback": path.stem})


def assert_nothing_created(client, headers, project_id):
    assert client.get(f"/v1/projects/{project_id}/forms", headers=headers).get_json() == []
    actions = [entry["action"] for entry in client.get("/v1/audits", headers=headers).get_json()]
    assert not [action for action in actions if action.startswith("form.")], actions


def test_the_corpus_lists_files_that_exist():
    assert VALID and INVALID
    for row in ROWS:
        assert (CORPUS / row["file"]).is_file(), row["file"]
        assert row["expected"] in ("valid", "invalid"), row


@pytest.mark.parametrize("name", VALID)
def test_valid_xlsform_publishes_and_reads_back(client, admin, project, name):
    path = CORPUS / name
    response = upload(client, admin, project.id, path)
    assert response.status_code == 200, response.get_json()
    created = response.get_json()
    expected_id = settings_form_id(path) or path.stem
    assert created["xmlFormId"] == expected_id
    assert created["projectId"] == project.id and created["publishedAt"] is not None

    form_url = f"/v1/projects/{project.id}/forms/{quote(expected_id)}"
    form = client.get(form_url, headers=admin)
    assert form.status_code == 200
    assert form.get_json()["hash"] == created["hash"]

    xml = client.get(f"{form_url}.xml", headers=admin)
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    assert hashlib.md5(xml.data).hexdigest() == form.get_json()["hash"]
    assert hashlib.sha256(xml.data).hexdigest() == form.get_json()["sha256"]
    instance = etree.fromstring(xml.data).find(
        "{http://www.w3.org/1999/xhtml}head/{http://www.w3.org/2002/xforms}model/{http://www.w3.org/2002/xforms}instance")
    assert instance[0].get("id") == expected_id
    assert (instance[0].get("version") or "") == form.get_json()["version"]

    original = client.get(f"{form_url}{path.suffix}", headers=admin)
    assert original.status_code == 200
    assert original.data == path.read_bytes()
    assert original.mimetype == CONTENT_TYPES[path.suffix]

    listed = client.get(f"/v1/projects/{project.id}/forms", headers=admin).get_json()
    assert [item["xmlFormId"] for item in listed] == [expected_id]
    actions = [entry["action"] for entry in client.get("/v1/audits?action=form", headers=admin).get_json()]
    assert sorted(actions) == ["form.create", "form.update.publish"]


def test_a_form_without_form_id_takes_the_file_stem(client, admin, project):
    path = CORPUS / "pull_data.xlsx"
    assert settings_form_id(path) is None
    response = upload(client, admin, project.id, path)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["xmlFormId"] == "pull_data"


def test_pull_data_form_expects_its_csv(client, admin, project):
    assert upload(client, admin, project.id, CORPUS / "pull_data.xlsx").status_code == 200
    attachments = client.get(f"/v1/projects/{project.id}/forms/pull_data/attachments", headers=admin)
    assert attachments.status_code == 200
    listed = {item["name"]: item for item in attachments.get_json()}
    assert "fruits.csv" in listed
    assert listed["fruits.csv"]["exists"] is False and listed["fruits.csv"]["type"] == "file"
    missing = client.get(f"/v1/projects/{project.id}/forms/pull_data/attachments/fruits.csv", headers=admin)
    assert missing.status_code == 404 and missing.get_json()["code"] == 404.1


@pytest.mark.parametrize("row", INVALID, ids=[row["file"] for row in INVALID])
def test_invalid_xlsform_is_400_15_with_pyxforms_message(client, admin, project, row):
    response = upload(client, admin, project.id, CORPUS / row["file"])
    body = response.get_json()
    assert response.status_code == 400, body
    assert body["code"] == 400.15
    assert body["message"].startswith("The given XLSForm file was not valid.")
    for message in expected_messages(row):
        assert message in body["details"]["error"], body["details"]["error"]
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and 'File "' not in text
    assert "/tmp/" not in text and "minhchung-" not in text  # no server paths
    assert_nothing_created(client, admin, project.id)


@pytest.mark.parametrize("name", ["tutorial.xls", "field-list.xlsx"])
def test_warnings_without_ignore_warnings_are_400_16_and_create_nothing(client, admin, project, name):
    path = CORPUS / name
    response = upload(client, admin, project.id, path, ignore_warnings=False)
    body = response.get_json()
    assert response.status_code == 400, body
    assert body["code"] == 400.16 and "ignoreWarnings=true" in body["message"]
    warnings = body["details"]["warnings"]["xlsFormWarnings"]
    assert isinstance(warnings, list) and warnings and all(isinstance(item, str) and item for item in warnings)
    assert_nothing_created(client, admin, project.id)
    # Acknowledged, the same file goes in.
    assert upload(client, admin, project.id, path, ignore_warnings=True).status_code == 200


def test_a_form_without_warnings_needs_no_ignore_warnings(client, admin, project):
    response = upload(client, admin, project.id, CORPUS / "gps.xls", ignore_warnings=False)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["xmlFormId"] == "gps"
