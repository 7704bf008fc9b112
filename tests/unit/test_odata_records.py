"""server/exports/odata.py: a Submissions record put together from what a stored row keeps (stored_record,
record_text) is the JSON the walk of the XML gives (ENCODE(submission_rows(…)[0])), byte for byte, whatever the
form's shape (groups, repeats at the top and inside groups, geopoints, numbers) and whatever __system holds."""

import datetime as dt

import pytest
from pyxform.xls2xform import convert

from server.exports import odata
from server.forms.schema import schema_fields
from server.safexml import parse_xml

SURVEY = """
| survey |
| | type          | name     | label    |
| | text          | ten      | Tên      |
| | begin repeat  | thanh_vien | Thành viên |
| | text          | ho_ten   | Họ tên   |
| | end repeat    |          |          |
| | begin group   | grp      | Nhóm     |
| | integer       | tuoi     | Tuổi     |
| | decimal       | diem     | Điểm     |
| | begin repeat  | con      | Con      |
| | text          | ten_con  | Tên con  |
| | end repeat    |          |          |
| | end group     |          |          |
| | geopoint      | vi_tri   | Vị trí   |
| settings |
| | form_id | version |
| | ban_ghi | 1       |
"""

SUBMISSION = """<data id="ban_ghi" version="1">
<ten>An, "Bình" \\ ổn</ten><thanh_vien><ho_ten>Lan</ho_ten></thanh_vien><thanh_vien><ho_ten>Huệ</ho_ten></thanh_vien>
<grp><tuoi>42</tuoi><diem>8.50</diem><con><ten_con>Bé</ten_con></con></grp>
<vi_tri>21.03 105.85 10.5 4.9</vi_tri><meta><instanceID>uuid:a</instanceID></meta></data>"""
EMPTY = '<data id="ban_ghi" version="1"><meta><instanceID>uuid:b</instanceID></meta></data>'
WHEN = dt.datetime(2026, 11, 22, 6, 54, 2, 326500, tzinfo=dt.timezone.utc)


def schema():
    xform = convert(xlsform=SURVEY, form_name="data", validate=False, warnings=[]).xform.encode("utf-8")
    return odata.Schema(schema_fields(xform))


@pytest.mark.parametrize("system", [
    odata.System(WHEN, None, None, None, 0, 0, None, None, 0, None),
    odata.System(WHEN, WHEN + dt.timedelta(hours=3), 7, 'TNV "Thôn 1"\n', 2, 3, "hasIssues", "collect:x/y", 4, "",
                 WHEN.astimezone(dt.timezone(dt.timedelta(hours=7)))),
])
@pytest.mark.parametrize("xml, instance_id", [(SUBMISSION, "uuid:a"), (EMPTY, "uuid:b")])
def test_a_record_from_its_stored_row_is_the_walks_json(system, xml, instance_id):
    fields = schema()
    walked = odata.submission_rows(fields, odata.ROOT, parse_xml(xml.encode()), instance_id, system)[0]
    head, links = odata.stored_record(fields, parse_xml(xml.encode()), instance_id, system.submission_date)
    assert odata.record_text(head, links, system) == odata.ENCODE(walked)
    assert (links is None) == (xml == EMPTY)  # the top-level repeat's link, kept beside the head


def test_system_after_its_date_is_the_rest_of_its_json():
    system = odata.System(WHEN, None, 12, "Nguyễn", 1, 1, "approved", None, 0, "2026")
    text = odata.ENCODE(system.as_json())
    date = odata.ENCODE(system.as_json()["submissionDate"])
    assert text == '{"submissionDate":' + date + system.json_after_date()
