"""Uploading criteria workbooks over Central's API: the scoring sheets are checked with the survey, a
broken or hostile sheet is a 400.53 naming sheet, row and column, and nothing is stored."""

import pytest

from server.blobs.models import Blob
from server.extensions import db
from server.forms.models import Form, FormDef
from tests.factories import XLSX, upload_form, xlsx_from_markdown

SURVEY = """
| survey   |           |           |                      |                |
|          | type      | name      | label                | parameters     |
|          | text      | thon      | Thôn                 |                |
|          | text      | ho        | Hộ gia đình          |                |
|          | integer   | nam       | Năm đánh giá         |                |
|          | integer   | so_nguoi  | Số người lớn         |                |
|          | integer   | biet_chu  | Số người biết chữ    |                |
|          | integer   | tu_sach   | Số đầu sách          |                |
|          | image     | anh       | Ảnh tủ sách          | {max_pixels}   |
| settings |           |           |                      |                |
|          | form_id   | version   | form_title           |                |
|          | gd_diem   | {version} | Gia đình học tập     |                |
"""

SCORING = """
| scoring  |           |           |                        |                     |        |                            |                |          |                               |             |                   |
|          | criterion | indicator | label::Tiếng Việt (vi) | label::English (en) | points | condition                  | score          | evidence | reason::Tiếng Việt (vi)       | status      | note              |
|          | TC1       |           | Học tập                | Learning            | 60     |                            |                |          |                               | official    |                   |
|          |           | 1.1       | Biết chữ               | Literate            | 40     | {condition}                |                | anh      | Có ${{biet_chu}} người biết chữ | official  |                   |
|          | TC1       | 1.2       | Tủ sách                | Bookshelf           | 20     |                            | ${{tu_sach}} * 2 |        |                               | provisional | chưa có hướng dẫn |
|          | TC2       |           | Cộng đồng              | Community           | {tc2}  |                            |                |          |                               | official    |                   |
|          |           | 2.1       | Tham gia               | Takes part          | 40     | ${{so_nguoi}} >= 1         |                |          |                               | official    |                   |
"""

RECOGNITION = """
| recognition |         |       |            |                  |            |        |
|             | type    | name  | value      | label            | recognised | status |
|             | model   |       | gia_dinh   |                  |            |        |
|             | ruleset |       | tt22-2020  | Thông tư 22/2020 |            | official |
|             | style   |       | points     |                  |            |        |
|             | total   |       | 100        |                  |            |        |
|             | subject |       | ${{ho}}    |                  |            |        |
|             | area    |       | ${{thon}}  |                  |            |        |
|             | period  |       | ${{nam}}   |                  |            |        |
|             | band    | tot   | {tot}      | Tốt              | yes        |        |
|             | band    | kha   | 70         | Khá              | yes        |        |
|             | band    | tb    | 50         | Trung bình       | no         |        |
"""

VALID = {"condition": "${biet_chu} >= ${so_nguoi}", "tc2": "40", "tot": "85"}


def workbook(version="1", sheets=(SCORING, RECOGNITION), max_pixels="max-pixels=1024", **changes):
    """The survey with the scoring sheets filled in from VALID and `changes`; without max-pixels pyxform warns."""
    values = {**VALID, **changes}
    body = "".join(sheet.format(**values) for sheet in sheets)
    return xlsx_from_markdown(SURVEY.format(version=version, max_pixels=max_pixels) + body)


def counts(database):
    return tuple(database.session.execute(db.select(db.func.count()).select_from(model)).scalar()
                 for model in (Form, FormDef, Blob))


def test_a_valid_criteria_workbook_publishes_and_keeps_its_spreadsheet(client, admin, project):
    original = workbook()
    response = upload_form(client, admin, project.id, original, publish=True)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["xmlFormId"] == "gd_diem" and response.get_json()["publishedAt"] is not None
    download = client.get(f"/v1/projects/{project.id}/forms/gd_diem.xlsx", headers=admin)
    assert download.status_code == 200 and download.data == original  # the rules are read again from here


BROKEN = {
    "unknown-field": (dict(condition="${so_nguoi_mu_chu} = 0"), ("scoring", 3, "condition"),
                      "${so_nguoi_mu_chu} is not a field of the survey (at character 1 of the expression)"),
    "bad-expression": (dict(condition="${biet_chu} >= and 1"), ("scoring", 3, "condition"),
                       "expected a value but found 'and' (at character 16 of the expression)"),
    "points-do-not-add-up": (dict(tc2="30"), ("scoring", 5, "points"),
                             "the criterion TC2 is worth 30 points but its indicators add up to 40"),
    "band-without-threshold": (dict(tot=""), ("recognition", 9, "value"),
                               "a band needs its threshold: the minimum total, e.g. 85"),
    "long-expression": (dict(condition="${biet_chu} >= 1 or " * 250 + "true()"), ("scoring", 3, "condition"),
                        "the expression is 5006 characters long; the limit is 2000"),
    "deep-parentheses": (dict(condition="(" * 500 + "1" + ")" * 500), ("scoring", 3, "condition"),
                         "the expression is nested too deeply (more than 32 levels of parentheses, functions or signs) "
                         "(at character 33 of the expression)"),
    "deep-functions": (dict(condition="not(" * 300 + "1" + ")" * 300), ("scoring", 3, "condition"),
                       "the expression is nested too deeply"),
}


@pytest.mark.parametrize("changes, where, message", BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_scoring_sheet_is_refused_and_nothing_is_stored(client, admin, project, database, changes, where,
                                                                 message):
    before = counts(database), client.get("/v1/audits", headers=admin).get_json()
    response = upload_form(client, admin, project.id, workbook(**changes), publish=True)
    body = response.get_json()
    assert response.status_code == 400 and body["code"] == 400.53, body
    sheet, row, column = where
    first = f"[sheet '{sheet}', row {row}, column '{column}'] {message}"
    assert body["details"]["error"].startswith(first)
    assert body["message"] == f"The scoring sheets are not valid: {body['details']['error']}"
    assert body["details"]["problems"][0]["message"].startswith(message)
    assert {key: body["details"]["problems"][0][key] for key in ("sheet", "row", "column")} == dict(
        sheet=sheet, row=row, column=column)
    assert client.get(f"/v1/projects/{project.id}/forms", headers=admin).get_json() == []
    assert (counts(database), client.get("/v1/audits", headers=admin).get_json()) == before


def test_every_problem_is_listed(client, admin, project):
    response = upload_form(client, admin, project.id, workbook(condition="${khong_co} = 1", tc2="30", tot=""))
    problems = response.get_json()["details"]["problems"]
    assert [(p["sheet"], p["row"], p["column"]) for p in problems] == [
        ("scoring", 3, "condition"), ("scoring", 5, "points"), ("recognition", 5, "value"), ("recognition", 9, "value")]
    assert problems[2]["message"] == "the criteria on the scoring sheet add up to 90 points, but the total is 100"
    assert response.get_json()["details"]["count"] == 4


def test_a_flood_of_problems_is_cut_short(client, admin, project, monkeypatch):
    monkeypatch.setattr("server.forms.service.MAX_SCORING_PROBLEMS", 2)
    details = upload_form(client, admin, project.id, workbook(condition="${khong_co} = 1", tc2="30", tot="")).get_json()["details"]
    assert (len(details["problems"]), details["count"]) == (2, 4)


def test_a_workbook_with_one_of_the_two_sheets_is_refused(client, admin, project):
    response = upload_form(client, admin, project.id, workbook(sheets=(SCORING,)))
    assert response.status_code == 400 and response.get_json()["details"]["problems"] == [{
        "sheet": "recognition", "row": None, "column": None,
        "message": "the workbook has a 'scoring' sheet but no 'recognition' sheet: a criteria workbook needs both"}]


def test_a_plain_form_is_not_affected(client, admin, project):
    response = upload_form(client, admin, project.id, workbook(sheets=()), publish=True)
    assert response.status_code == 200


def test_a_new_draft_is_checked_too_and_the_published_version_stays(client, admin, project, database):
    assert upload_form(client, admin, project.id, workbook(version="1"), publish=True).status_code == 200
    before = counts(database)
    draft = client.post(f"/v1/projects/{project.id}/forms/gd_diem/draft", data=workbook(version="2", tc2="30"),
                        headers={**admin, "Content-Type": XLSX})
    assert draft.status_code == 400 and draft.get_json()["code"] == 400.53
    assert draft.get_json()["details"]["problems"][0]["row"] == 5
    assert counts(database) == before
    assert client.get(f"/v1/projects/{project.id}/forms/gd_diem/draft", headers=admin).status_code == 404
    assert client.get(f"/v1/projects/{project.id}/forms/gd_diem", headers=admin).get_json()["version"] == "1"
    fixed = client.post(f"/v1/projects/{project.id}/forms/gd_diem/draft", data=workbook(version="2"),
                        headers={**admin, "Content-Type": XLSX})
    assert fixed.status_code == 200


def test_scoring_problems_come_before_warnings(client, admin, project):
    assert upload_form(client, admin, project.id, workbook(max_pixels="")).get_json()["code"] == 400.16
    response = upload_form(client, admin, project.id, workbook(max_pixels="", tc2="30"))
    assert response.get_json()["code"] == 400.53  # fix the rules first, then decide about the warnings
