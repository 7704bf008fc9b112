"""The evidence checks over HTTP, on SQLite and PostGIS: households sent from Collect with real JPEGs (EXIF
capture times, the same photo for two households), geopoints inside and outside a hamlet's boundary, start and
end times; the flags each submission gets, the project's list limited to the caller's areas, and the settings."""

import datetime as dt
import io

import pytest
from PIL import Image

from server.demo_photos import KINDS, photo_jpeg
from tests.factories import assign, create_user, login, upload_form, xlsx_from_markdown
from tests.factories_registry import create_dataset, create_entity, import_areas
from tests.integration.test_openrosa import post_submission

FORM = """
| survey | | | |
|---|---|---|---|
| | type | name | label |
| | start | start | |
| | end | end | |
| | text | ho | Hộ |
| | integer | nam | Năm đánh giá |
| | geopoint | vi_tri | Vị trí nhà |
| | image | anh | Ảnh minh chứng |

| settings | | | |
|---|---|---|---|
| | form_id | version | form_title |
| | ho_minh_chung | 1 | Hộ (minh chứng) |

| scoring | | | | | | | |
|---|---|---|---|---|---|---|---|
| | criterion | indicator | label::Tiếng Việt (vi) | points | condition | status | note |
| | TC1 | | Có năm đánh giá | 10 | | provisional | Thử |
| | | 1.1 | Năm đánh giá | 10 | ${nam} > 0 | provisional | Thử |

| recognition | | | | | |
|---|---|---|---|---|---|
| | type | name | value | label | recognised |
| | model | | gia_dinh | | |
| | ruleset | | thu-minh-chung | Thử | |
| | style | | points | | |
| | total | | 10 | | |
| | subject | | ${ho} | | |
| | period | | ${nam} | | |
| | band | dat | 5 | Đạt | yes |
| | band | chua_dat | 0 | Chưa đạt | no |
"""
# Thôn Đông (00007-01): an irregular outline about 900 m across, east of Hà Nội's Old Quarter
HAMLET = [[105.8500, 21.0300], [105.8580, 21.0296], [105.8592, 21.0350], [105.8541, 21.0381],
          [105.8497, 21.0362], [105.8500, 21.0300]]
INSIDE = (21.0340, 105.8540)
OUTSIDE = (21.0340, 105.8790)  # about 2 km east of its edge
START = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


def jpeg(seed: int, taken_at: dt.datetime | None = None) -> bytes:
    """A phone's photo (the demo's drawing: a study corner, a certificate, a school report, a notice board), a
    different one for each seed, with its EXIF capture time when `taken_at` is given, else with no EXIF."""
    drawn = photo_jpeg(seed, KINDS[seed % len(KINDS)], taken_at or dt.datetime(2026, 11, 1, 9, 0))
    if taken_at is not None:
        return drawn
    buffer = io.BytesIO()
    Image.open(io.BytesIO(drawn)).save(buffer, "JPEG", quality=85)  # saved again without its EXIF
    return buffer.getvalue()


def household(instance_id, subject, point=INSIDE, accuracy=8.0, minutes=12, photo="anh.jpg", year=2026,
              start=START):
    location = f"{point[0]} {point[1]} 12.0 {accuracy}" if point else ""
    end = start + dt.timedelta(minutes=minutes)
    body = (f"<start>{start.isoformat()}</start><end>{end.isoformat()}</end><ho>{subject}</ho><nam>{year}</nam>"
            f"<vi_tri>{location}</vi_tri><anh>{photo}</anh>")
    return (f'<?xml version="1.0" ?><data id="ho_minh_chung" version="1">{body}'
            f"<meta><instanceID>{instance_id}</instanceID></meta></data>").encode()


@pytest.fixture
def evidence(client, admin, project):
    areas = import_areas()
    document = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "00007-01"},
         "geometry": {"type": "Polygon", "coordinates": [HAMLET]}}]}
    assert client.post("/v1/areas/boundaries", json=document, headers=admin).status_code == 200
    dataset = create_dataset(project, "ho_gia_dinh", ("thon",))
    subjects = {name: create_entity(dataset, f"Hộ {name}", {"thon": "00007-01"}).uuid for name in "ABCDEFG"}
    assert upload_form(client, admin, project.id, xlsx_from_markdown(FORM), publish=True,
                       ignoreWarnings="true").status_code == 200
    base = f"/v1/projects/{project.id}"
    return {"base": base, "collect": f"{base}", "subjects": subjects, "areas": areas,
            "rest": f"{base}/forms/ho_minh_chung/submissions"}


def send(client, admin, evidence, instance_id, subject, photo_bytes=None, **fields):
    files = [("anh.jpg", photo_bytes)] if photo_bytes is not None else []
    response = post_submission(client, evidence["collect"], household(instance_id, evidence["subjects"][subject],
                                                                      **fields), files=files, headers={
        **admin, "X-OpenRosa-Version": "1.0"})
    assert response.status_code == 201, response.data


def flags_of(client, admin, evidence, instance_id):
    response = client.get(f"{evidence['rest']}/{instance_id}/flags", headers=admin)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def kinds(flags):
    return sorted(flag["kind"] for flag in flags)


def test_a_household_with_sound_evidence_has_no_flags(client, admin, evidence):
    send(client, admin, evidence, "uuid:e1", "A", jpeg(1, START.replace(tzinfo=None) - dt.timedelta(days=2)))
    assert flags_of(client, admin, evidence, "uuid:e1") == []


def test_a_location_outside_the_hamlet_missing_or_inaccurate_is_flagged(client, admin, evidence):
    send(client, admin, evidence, "uuid:out", "A", jpeg(2), point=OUTSIDE)
    send(client, admin, evidence, "uuid:none", "B", jpeg(3), point=None)
    send(client, admin, evidence, "uuid:vague", "C", jpeg(4), accuracy=450.0)
    [outside] = flags_of(client, admin, evidence, "uuid:out")
    assert outside["kind"] == "gps_outside_area" and outside["severity"] == "error"
    assert 1_900 < outside["evidence"]["distanceM"] < 2_200  # the same answer on both databases, within metres
    assert outside["evidence"]["area"] == "00007-01" and outside["evidence"]["accuracyM"] == 8.0
    assert outside["evidence"]["areaName"] == "Thôn Đông"
    assert "Thôn Đông (00007-01) 2.0" in outside["message"]["vi"] and "outside the boundary" in outside["message"]["en"]
    assert kinds(flags_of(client, admin, evidence, "uuid:none")) == ["gps_missing"]
    [vague] = flags_of(client, admin, evidence, "uuid:vague")
    assert vague["kind"] == "gps_inaccurate" and vague["severity"] == "warning"
    assert vague["evidence"] == {"accuracyM": 450.0, "maxAccuracyM": 100.0}


def test_the_same_photo_for_two_households_flags_both_but_not_a_revisit_of_one(client, admin, evidence):
    photo = jpeg(5, dt.datetime(2026, 11, 19, 9, 0))
    send(client, admin, evidence, "uuid:r1", "A", photo)
    send(client, admin, evidence, "uuid:r2", "B", photo)
    send(client, admin, evidence, "uuid:r3", "A", photo)  # household A visited again: not a reuse of r1's
    second = flags_of(client, admin, evidence, "uuid:r2")
    assert kinds(second) == ["photo_reused", "photo_reused"] and second[0]["severity"] == "error"
    assert second[0]["evidence"]["other"] == {"instanceId": "uuid:r1", "xmlFormId": "ho_minh_chung",
                                              "photo": "anh.jpg", "subject": evidence["subjects"]["A"],
                                              "subjectLabel": "Hộ A"}
    assert "Hộ A (uuid:r1)" in second[0]["message"]["vi"]
    assert second[1]["evidence"]["other"]["instanceId"] == "uuid:r3"
    assert "uuid:r1" in second[0]["message"]["vi"] and "very same file" in second[0]["message"]["en"]
    first = flags_of(client, admin, evidence, "uuid:r1")
    assert [flag["evidence"]["other"]["instanceId"] for flag in first] == ["uuid:r2"]
    assert [flag["evidence"]["other"]["instanceId"] for flag in flags_of(client, admin, evidence, "uuid:r3")] \
        == ["uuid:r2"]


def test_a_photo_taken_out_of_season_is_flagged_and_one_without_exif_is_not(client, admin, evidence):
    send(client, admin, evidence, "uuid:old", "A", jpeg(6, dt.datetime(2024, 5, 1, 10, 0)))
    send(client, admin, evidence, "uuid:early", "B", jpeg(7, dt.datetime(2026, 9, 1, 10, 0)))
    send(client, admin, evidence, "uuid:plain", "C", jpeg(8))
    [old] = flags_of(client, admin, evidence, "uuid:old")
    assert old["kind"] == "photo_time_outside_period" and old["severity"] == "warning"
    assert (old["evidence"]["takenAt"], old["evidence"]["takenOffset"], old["evidence"]["period"]) == (
        "2024-05-01T10:00:00", "+07:00", 2026)
    [early] = flags_of(client, admin, evidence, "uuid:early")
    assert early["evidence"]["daysBeforeStart"] == 79 and "79 ngày" in early["message"]["vi"]
    assert flags_of(client, admin, evidence, "uuid:plain") == []


def test_a_form_filled_too_fast_and_a_burst_of_households_are_flagged(client, admin, evidence):
    send(client, admin, evidence, "uuid:quick", "A", jpeg(9), minutes=0.3)
    assert kinds(flags_of(client, admin, evidence, "uuid:quick")) == ["fast_pace"]
    assert client.patch(f"{evidence['base']}/evidence-settings", json={"fast_pace_subjects": 3},
                        headers=admin).status_code == 200
    for number, subject in enumerate("BCDE"):  # the next day, four households, one every two minutes, one sender
        send(client, admin, evidence, f"uuid:b{number}", subject, jpeg(20 + number),
             start=START + dt.timedelta(days=1, minutes=2 * number), minutes=5)
    burst = [flags_of(client, admin, evidence, f"uuid:b{number}") for number in range(4)]
    assert all(kinds(found) == ["fast_pace"] for found in burst), burst
    assert burst[3][0]["evidence"] == {"subjects": 4, "minutes": 30, "maxSubjects": 3}


def test_a_photo_that_arrives_later_is_checked_then(client, admin, evidence):
    photo = jpeg(10)
    send(client, admin, evidence, "uuid:p1", "A", photo)
    send(client, admin, evidence, "uuid:p2", "B")  # its photo is still on the phone
    assert flags_of(client, admin, evidence, "uuid:p2") == []
    assert client.post(f"{evidence['rest']}/uuid:p2/attachments/anh.jpg", data=photo,
                       headers={**admin, "Content-Type": "image/jpeg"}).status_code == 200
    assert kinds(flags_of(client, admin, evidence, "uuid:p2")) == ["photo_reused"]


def test_the_projects_flags_are_limited_to_the_callers_areas_and_filtered(client, admin, project, evidence):
    send(client, admin, evidence, "uuid:l1", "A", jpeg(11), point=OUTSIDE)
    send(client, admin, evidence, "uuid:l2", "B", jpeg(12), point=None)
    everything = client.get(f"{evidence['base']}/flags", headers=admin).get_json()
    assert sorted((flag["instanceId"], flag["kind"]) for flag in everything) == [
        ("uuid:l1", "gps_outside_area"), ("uuid:l2", "gps_missing")]
    assert everything[0]["area"] == "00007-01" and everything[0]["xmlFormId"] == "ho_minh_chung"
    only = client.get(f"{evidence['base']}/flags?kind=gps_missing&area=00007&form=ho_minh_chung", headers=admin)
    assert [flag["instanceId"] for flag in only.get_json()] == ["uuid:l2"]
    assert client.get(f"{evidence['base']}/flags?area=00004", headers=admin).get_json() == []
    elsewhere = create_user("giam-sat@example.org")
    assign(elsewhere, "manager", project)
    assert client.put(f"{evidence['base']}/users/{elsewhere.actor_id}/areas", json={"areas": ["00004"]},
                      headers=admin).status_code == 200
    limited = login(client, "giam-sat@example.org")
    assert client.get(f"{evidence['base']}/flags", headers=limited).get_json() == []
    assert client.get(f"{evidence['rest']}/uuid:l1/flags", headers=limited).status_code == 403
    for query in ("kind=nonsense", "area=" + "x" * 40):
        assert client.get(f"{evidence['base']}/flags?{query}", headers=admin).status_code == 400
    assert client.get(f"{evidence['base']}/flags?form=nope", headers=admin).status_code == 404


def test_severities_and_thresholds_are_the_projects_settings(client, admin, evidence):
    settings = client.get(f"{evidence['base']}/evidence-settings", headers=admin).get_json()
    assert settings["severity"]["gps_outside_area"] == "error" and settings["gps_margin_m"] == 50.0
    send(client, admin, evidence, "uuid:s1", "A", jpeg(13), point=OUTSIDE)
    assert kinds(flags_of(client, admin, evidence, "uuid:s1")) == ["gps_outside_area"]
    changed = client.patch(f"{evidence['base']}/evidence-settings", headers=admin,
                           json={"severity": {"gps_outside_area": "warning"}, "gps_max_accuracy_m": 5})
    assert changed.status_code == 200 and changed.get_json()["severity"]["gps_outside_area"] == "warning"
    # a severity applies to the flags found already; a threshold to the checks made from now on
    assert [(flag["kind"], flag["severity"]) for flag in flags_of(client, admin, evidence, "uuid:s1")] == [
        ("gps_outside_area", "warning")]
    send(client, admin, evidence, "uuid:s2", "B", jpeg(14))
    assert kinds(flags_of(client, admin, evidence, "uuid:s2")) == ["gps_inaccurate"]  # 8 m now worse than 5 m
    client.patch(f"{evidence['base']}/evidence-settings", json={"severity": {"gps_outside_area": "off"}},
                 headers=admin)
    assert flags_of(client, admin, evidence, "uuid:s1") == []
    for body in ({"gps_margin_m": -1}, {"severity": {"gps_outside_area": "loud"}}, {"colour": "red"}, [1],
                 {"fast_pace_subjects": 2.5}, {"hold_recognition": "yes"}):
        refused = client.patch(f"{evidence['base']}/evidence-settings", json=body, headers=admin)
        assert refused.status_code == 400 and refused.get_json()["code"] == 400.8, body
    assert client.get(f"{evidence['base']}/evidence-settings", headers=admin).get_json()["gps_max_accuracy_m"] == 5


def test_the_desk_shows_flags_in_the_table_filters_by_them_and_sets_reused_photos_side_by_side(client, admin,
                                                                                                evidence):
    from tests.integration.test_desk import desk_login
    photo = jpeg(15)
    send(client, admin, evidence, "uuid:d1", "A", photo)
    send(client, admin, evidence, "uuid:d2", "B", photo)
    send(client, admin, evidence, "uuid:d3", "C", jpeg(16))
    send(client, admin, evidence, "uuid:d4", "D", jpeg(17), accuracy=300.0)
    desk_login(client, "admin@example.org")
    page = f"/projects{evidence['base'].removeprefix('/v1/projects')}/forms/ho_minh_chung/submissions"
    listed = client.get(page).text
    assert listed.count('data-testid="flags"') == 3 and "Ảnh dùng lại" in listed and "GPS kém chính xác" in listed
    errors_only = client.get(f"{page}?flag=error").text
    assert 'data-total="2"' in errors_only and "uuid:d4" not in errors_only and "uuid:d3" not in errors_only
    assert 'data-total="1"' in client.get(f"{page}?flag=gps_inaccurate").text
    assert 'data-total="4"' in client.get(f"{page}?flag=nonsense").text  # a filter it cannot read is no filter
    one = client.get(f"{page}/uuid:d2").text
    assert 'data-testid="evidence-flags"' in one and "Kiểm tra minh chứng" in one
    assert f"{page}/uuid:d2/files/anh.jpg?size=240" in one and f"{page}/uuid:d1/files/anh.jpg?size=240" in one
    assert client.get(f"{page}/uuid:d1/files/anh.jpg?size=240").status_code == 200
    assert 'data-testid="evidence-flags"' not in client.get(f"{page}/uuid:d3").text
    points = client.get(page.removesuffix("/submissions") + "/map/points.json").get_json()["points"]
    assert {point[2]: point[8] for point in points} == {"uuid:d1": "error", "uuid:d2": "error", "uuid:d3": None,
                                                        "uuid:d4": "warning"}  # the map's ring of each


def test_an_error_flag_holds_recognition_back_until_a_supervisor_approves(client, admin, evidence):
    photo = jpeg(18)
    send(client, admin, evidence, "uuid:h1", "A", photo)
    send(client, admin, evidence, "uuid:h2", "B", photo)  # the same photo: both flagged as an error
    send(client, admin, evidence, "uuid:h3", "C", jpeg(19), accuracy=300.0)  # a warning holds nothing
    client.get(f"{evidence['base']}/flags", headers=admin)  # (checked: the background does it on a server)

    def results():
        rows = client.get(f"{evidence['base']}/results", headers=admin).get_json()
        return {row["instanceId"]: (row["recognised"], row["heldBackBy"]) for row in rows}
    assert results() == {"uuid:h1": (False, ["evidence"]), "uuid:h2": (False, ["evidence"]), "uuid:h3": (True, [])}
    score = client.get(f"{evidence['rest']}/uuid:h2/score", headers=admin).get_json()
    assert score["recognised"] is False and score["heldByEvidence"] is True
    [line] = [reason for reason in score["reasons"] if reason["kind"] == "evidence"]
    assert line["code"] == "photo_reused" and line["blocksRecognition"] is True and "uuid:h1" in line["text"]["en"]
    warned = client.get(f"{evidence['rest']}/uuid:h3/score", headers=admin).get_json()
    assert warned["recognised"] is True and warned["heldByEvidence"] is False
    assert [(reason["code"], reason["blocksRecognition"]) for reason in warned["reasons"]
            if reason["kind"] == "evidence"] == [("gps_inaccurate", False)]
    summary = client.get(f"{evidence['base']}/results/summary", headers=admin).get_json()
    assert summary["total"]["models"]["gia_dinh"]["recognised"] == 1
    assert client.patch(f"{evidence['rest']}/uuid:h1", json={"reviewState": "approved"},
                        headers=admin).status_code == 200
    assert results()["uuid:h1"] == (True, [])
    assert client.patch(f"{evidence['base']}/evidence-settings", json={"hold_recognition": False},
                        headers=admin).status_code == 200
    assert results()["uuid:h2"] == (True, [])


def test_a_resized_recompressed_or_cropped_copy_is_a_near_duplicate_and_a_similar_scene_is_not(client, admin,
                                                                                                 evidence):
    from tests.unit.test_evidence_checks import resized
    taken = dt.datetime(2026, 11, 19, 9, 0)
    original = photo_jpeg(31, "goc_hoc_tap", taken)
    send(client, admin, evidence, "uuid:n1", "A", original)
    send(client, admin, evidence, "uuid:n2", "B", resized(original, 0.5, 60))
    send(client, admin, evidence, "uuid:n3", "C", resized(original, 1.0, 90, crop=0.05))
    send(client, admin, evidence, "uuid:n4", "D", photo_jpeg(32, "goc_hoc_tap", taken))  # another study corner
    for one, others in (("uuid:n1", ["uuid:n2", "uuid:n3"]), ("uuid:n2", ["uuid:n1", "uuid:n3"]),
                        ("uuid:n3", ["uuid:n1", "uuid:n2"])):  # the two copies are copies of each other too
        found = flags_of(client, admin, evidence, one)
        assert {flag["kind"] for flag in found} == {"photo_near_duplicate"}
        assert sorted(flag["evidence"]["other"]["instanceId"] for flag in found) == others
        assert all(flag["severity"] == "error" and flag["evidence"]["bits"] <= 4 for flag in found)
        assert "cropped" in found[0]["message"]["en"]
    assert flags_of(client, admin, evidence, "uuid:n4") == []


def test_the_xlsx_and_geojson_exports_carry_the_flags(client, admin, evidence):
    from openpyxl import load_workbook
    photo = jpeg(33)
    send(client, admin, evidence, "uuid:x1", "A", photo)
    send(client, admin, evidence, "uuid:x2", "B", photo, accuracy=300.0)
    send(client, admin, evidence, "uuid:x3", "C", jpeg(34))
    client.get(f"{evidence['base']}/flags", headers=admin)  # (checked)
    base = f"{evidence['base']}/forms/ho_minh_chung"
    response = client.get(f"{base}/submissions.xlsx", headers=admin)
    rows = list(load_workbook(io.BytesIO(response.data), read_only=True).worksheets[0].iter_rows(values_only=True))
    assert (rows[0][-1], rows[1][-1]) == ("Cảnh báo minh chứng", "Flags")
    flags = {dict(zip(rows[1], row))["KEY"]: dict(zip(rows[1], row)).get("Flags") for row in rows[2:]}
    assert flags == {"uuid:x1": "Ảnh dùng lại", "uuid:x2": "GPS kém chính xác; Ảnh dùng lại", "uuid:x3": None}
    english = client.get(f"{base}/submissions.xlsx?lang=en", headers=admin)
    rows = list(load_workbook(io.BytesIO(english.data), read_only=True).worksheets[0].iter_rows(values_only=True))
    assert rows[0][-1] == "Evidence flags" and "Inaccurate GPS; Photo reused" in [row[-1] for row in rows[2:]]
    features = client.get(f"{base}/submissions.geojson?properties=all", headers=admin).get_json()["features"]
    assert {feature["id"]: feature["properties"]["flags"] for feature in features} == {
        "uuid:x1": ["photo_reused"], "uuid:x2": ["gps_inaccurate", "photo_reused"], "uuid:x3": []}


def test_a_hamlets_own_evaluation_is_checked_against_the_hamlet_its_rules_name(client, admin, project, evidence):
    hamlet_form = (FORM.replace("| | text | ho | Hộ |", "| | text | thon | Thôn |")
                   .replace("ho_minh_chung | 1 | Hộ (minh chứng)", "thon_minh_chung | 1 | Thôn (minh chứng)")
                   .replace("| | model | | gia_dinh | | |", "| | model | | cong_dong | | |")
                   .replace("| | subject | | ${ho} | | |", "| | subject | | ${thon} | | |\n| | area | | ${thon} | | |"))
    assert "| area | | ${thon}" in hamlet_form and "cong_dong" in hamlet_form and "thon_minh_chung" in hamlet_form
    assert upload_form(client, admin, project.id, xlsx_from_markdown(hamlet_form), publish=True,
                       ignoreWarnings="true").status_code == 200
    for number, (instance_id, point) in enumerate((("uuid:t-in", INSIDE), ("uuid:t-out", OUTSIDE))):
        xml = (household(instance_id, "", point=point).replace(b'id="ho_minh_chung"', b'id="thon_minh_chung"')
               .replace(b"<ho></ho>", b"<thon>00007-01</thon>"))
        sent = post_submission(client, evidence["collect"], xml, files=[("anh.jpg", jpeg(40 + number))],
                               headers={**admin, "X-OpenRosa-Version": "1.0"})
        assert sent.status_code == 201, sent.data
    rest = f"{evidence['base']}/forms/thon_minh_chung/submissions"
    assert client.get(f"{rest}/uuid:t-in/flags", headers=admin).get_json() == []
    [outside] = client.get(f"{rest}/uuid:t-out/flags", headers=admin).get_json()
    assert outside["kind"] == "gps_outside_area" and outside["evidence"]["area"] == "00007-01"
