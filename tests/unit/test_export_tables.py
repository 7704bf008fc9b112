"""server/forms/schema.py and server/exports/tables.py: a form's fields as Central lists them, and submissions as
Central's CSV tables (headers, keys, geopoints, select_multiple columns, repeats in groups and in repeats). Forms
are real pyxform output; the expected headers follow Central's (central-transcripts/21c and briefcase.js)."""

import datetime as dt

from pyxform.xls2xform import convert

from server.exports.tables import ROOT_METADATA, SubmissionMeta, iso_millis, layout_of, safe_file_name, submission_rows
from server.forms.schema import schema_fields
from server.safexml import parse_xml

SURVEY = """
| survey |
| | type                  | name     | label    |
| | text                  | ten      | Tên      |
| | begin group           | grp      | Nhóm     |
| | integer               | tuoi     | Tuổi     |
| | select_multiple fruit | fruits   | Trái cây |
| | begin repeat          | con      | Con      |
| | text                  | ten_con  | Tên con  |
| | begin repeat          | sach     | Sách     |
| | text                  | tua      | Tựa      |
| | end repeat            |          |          |
| | end repeat            |          |          |
| | end group             |          |          |
| | geopoint              | vi_tri   | Vị trí   |
| | image                 | anh      | Ảnh      |
| | note                  | ghi_chu  | Ghi chú  |
| choices |
| | list_name | name | label |
| | fruit     | tao  | Táo   |
| | fruit     | cam  | Cam   |
| settings |
| | form_id | version |
| | thu     | 7       |
"""


def xform() -> bytes:
    return convert(xlsform=SURVEY, form_name="data", validate=False, warnings=[]).xform.encode("utf-8")


SUBMISSION = """<data id="thu" version="7" xmlns:orx="http://openrosa.org/xforms">
<ten>An, "Bình"</ten><grp><tuoi>42</tuoi><fruits>cam tao</fruits>
<con><ten_con>Bé</ten_con><sach><tua>=1+1</tua></sach><sach><tua>Dế Mèn</tua></sach></con>
<con><ten_con>Út</ten_con></con></grp>
<vi_tri>21.03 105.85 10.5 4.9</vi_tri><anh>1.jpg</anh><ghi_chu/><la>not in the form</la>
<meta><instanceID>uuid:a</instanceID></meta></data>"""

META = SubmissionMeta("uuid:a", dt.datetime(2026, 11, 22, 6, 54, 2, 326500, tzinfo=dt.timezone.utc), 7, "TNV Thôn 1",
                      1, 1, "approved", "collect:x", 2, "7")


def test_fields_follow_the_instance_in_depth_first_order_typed_by_their_binds():
    fields = schema_fields(xform())
    assert [(field.path, field.type) for field in fields] == [
        ("/ten", "string"), ("/grp", "structure"), ("/grp/tuoi", "int"), ("/grp/fruits", "string"),
        ("/grp/con", "repeat"), ("/grp/con/ten_con", "string"), ("/grp/con/sach", "repeat"),
        ("/grp/con/sach/tua", "string"), ("/vi_tri", "geopoint"), ("/anh", "binary"), ("/ghi_chu", "string"),
        ("/meta", "structure"), ("/meta/instanceID", "string")]
    assert [field.path for field in fields if field.select_multiple] == ["/grp/fruits"]
    assert [field.path for field in fields if field.binary] == ["/anh"]
    assert [field.order for field in fields] == list(range(len(fields)))


def test_the_root_and_repeat_headers_are_centrals():
    layout = layout_of(schema_fields(xform()), "thu")
    assert layout.root.file_name == "thu.csv"
    assert layout.root.header == ["SubmissionDate", "ten", "grp-tuoi", "grp-fruits", "vi_tri-Latitude",
                                  "vi_tri-Longitude", "vi_tri-Altitude", "vi_tri-Accuracy", "anh", "ghi_chu",
                                  "meta-instanceID", *ROOT_METADATA]
    assert [(table.file_name, table.header) for table in layout.repeats] == [
        ("thu-con.csv", ["ten_con", "PARENT_KEY", "KEY"]), ("thu-sach.csv", ["tua", "PARENT_KEY", "KEY"])]
    flat = layout_of(schema_fields(xform()), "thu", group_paths=False, root_only=True,
                     select_values={"/grp/fruits": ["tao", "cam", "xoai"]})
    assert flat.root.header[:7] == ["SubmissionDate", "ten", "tuoi", "fruits", "fruits/tao", "fruits/cam",
                                    "fruits/xoai"]
    assert flat.repeats == ()


def test_a_submission_becomes_its_root_row_and_repeat_rows_with_centrals_keys():
    layout = layout_of(schema_fields(xform()), "thu", select_values={"/grp/fruits": ["tao", "cam", "xoai"]})
    row, repeats = submission_rows(layout, parse_xml(SUBMISSION.encode()), META)
    assert dict(zip(layout.root.header, row)) == {
        "SubmissionDate": "2026-11-22T06:54:02.326Z", "ten": 'An, "Bình"', "grp-tuoi": "42",
        "grp-fruits": "cam tao", "grp-fruits/tao": 1, "grp-fruits/cam": 1, "grp-fruits/xoai": 0,
        "vi_tri-Latitude": "21.03", "vi_tri-Longitude": "105.85", "vi_tri-Altitude": "10.5",
        "vi_tri-Accuracy": "4.9", "anh": "1.jpg", "ghi_chu": None, "meta-instanceID": "uuid:a", "KEY": "uuid:a",
        "SubmitterID": 7, "SubmitterName": "TNV Thôn 1", "AttachmentsPresent": 1, "AttachmentsExpected": 1,
        "Status": None, "ReviewState": "approved", "DeviceID": "collect:x", "Edits": 2, "FormVersion": "7"}
    assert repeats["/grp/con"] == [["Bé", "uuid:a", "uuid:a/grp/con[1]"], ["Út", "uuid:a", "uuid:a/grp/con[2]"]]
    assert repeats["/grp/con/sach"] == [["=1+1", "uuid:a/grp/con[1]", "uuid:a/grp/con[1]/sach[1]"],
                                        ["Dế Mèn", "uuid:a/grp/con[1]", "uuid:a/grp/con[1]/sach[2]"]]


def test_an_empty_submission_still_has_its_metadata():
    layout = layout_of(schema_fields(xform()), "thu")
    row, repeats = submission_rows(layout, parse_xml(b"<data id='thu'/>"), META)
    assert row[0] == "2026-11-22T06:54:02.326Z" and row[-10] == "uuid:a"
    assert set(row[1:-10]) == {None} and repeats == {"/grp/con": [], "/grp/con/sach": []}


def test_names_and_times_are_written_as_central_writes_them():
    assert safe_file_name('a/b\\c:d*?"<>|.csv') == "abcd.csv"
    assert safe_file_name("..") == "_"
    assert iso_millis(dt.datetime(2026, 1, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))) \
        == "2026-01-02T03:00:00.000Z"
