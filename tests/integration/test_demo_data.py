"""The demo a supervisor's desk starts with (server/demo.py): boundaries, three weeks of submissions filed through
the real ingest path, photos, reviews, and accounts limited to one commune; loading it again changes nothing.

The demo is loaded once for the module, inside one transaction rolled back at the end (as the `database` fixture
does per test), because loading it takes seconds."""

import io
from collections import Counter
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from PIL import ExifTags, Image, ImageOps
from shapely import from_geojson
from shapely.geometry import Point, Polygon
from shapely.ops import unary_union

from server.areas import queries as area_queries
from server.areas import service as area_service
from server.auth import service as auth_service
from server.blobs.service import open_blob
from server.demo import DEMO_SUPERVISOR, DEMO_VIEWER, load_demo
from server.demo_data import COMMUNES, synthetic_province
from server.demo_photos import photo_jpeg
from server.demo_submissions import instance_xml, plan_submissions, render_file
from server.extensions import db
from server.forms.build import XFORM_DIR
from server.forms.models import Form
from server.scoring.results import counted_results
from server.submissions import queries as submission_queries
from server.submissions.instance import read_instance
from server.submissions.models import Comment, Submission, SubmissionAttachment, SubmissionDef

slow = pytest.mark.slow
EXIF_IFD = 0x8769


@pytest.fixture(scope="module")
def demo(app):
    with app.app_context():
        swapped = []
        for key, engine in list(db.engines.items()):
            connection = engine.connect()
            swapped.append((key, engine, connection, connection.begin()))
            db.engines[key] = connection
        try:
            yield load_demo(app.config)
        finally:
            db.session.remove()
            for key, engine, connection, transaction in swapped:
                transaction.rollback()
                connection.close()
                db.engines[key] = engine


def rows(demo, *columns, form=None):
    """The demo project's current submission versions joined with their submission and form."""
    query = (sa.select(*columns).select_from(Submission)
             .join(SubmissionDef, sa.and_(SubmissionDef.submission_id == Submission.id, SubmissionDef.current))
             .join(Form, Form.id == Submission.form_id).where(Form.project_id == demo.project.id))
    if form:
        query = query.where(Form.xml_form_id == form)
    return db.session.execute(query).all()


def counts(demo):
    return {model.__tablename__: db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar()
            for model in (Submission, SubmissionDef, SubmissionAttachment, Comment)}


@slow
def test_the_campaign_has_submissions_of_every_criteria_form(demo):
    by_form = Counter(form for form, in rows(demo, Form.xml_form_id))
    assert sum(by_form.values()) >= 100 and by_form["gia_dinh_hoc_tap"] >= 100
    assert all(by_form[form] >= 3 for form in ("cong_dan_hoc_tap", "dong_ho_hoc_tap", "cong_dong_hoc_tap",
                                               "don_vi_hoc_tap"))
    created = sorted(at for at, in rows(demo, Submission.created_at))
    assert datetime(2026, 11, 1, tzinfo=timezone.utc) < created[0] < created[-1] < datetime(2026, 12, 1,
                                                                                            tzinfo=timezone.utc)
    assert (created[-1] - created[0]).days >= 14  # spread over the weeks of the campaign


@slow
def test_households_are_placed_in_their_hamlet_and_a_few_geopoints_are_off(demo):
    hamlets = {code: from_geojson(area_queries.get_boundary_geojson(area_queries.get_area_by_code(code).id))
               for code, _ in synthetic_province().hamlets}
    found = rows(demo, Submission.area_id, SubmissionDef.xml, SubmissionDef.latitude, SubmissionDef.longitude,
                 SubmissionDef.accuracy, form="gia_dinh_hoc_tap")
    codes = {area.id: area.code for area in area_queries.get_areas_by_codes(list(hamlets)).values()}
    off = 0
    for area_id, xml, latitude, longitude, accuracy in found:
        hamlet = read_instance(xml.encode()).root.findtext("thon")
        assert codes.get(area_id) == hamlet  # placed by the household's registry entry
        off += not hamlets[hamlet].covers(Point(longitude, latitude)) or accuracy > 50
    assert 3 <= off <= 5


@slow
def test_boundaries_are_stored_for_the_province_communes_and_hamlets(demo):
    stored = {code: level for code, _, level, _ in area_queries.list_boundaries(("province", "commune", "hamlet"))}
    assert {code for code in stored if code.startswith("99")} == set(synthetic_province().boundaries)


def test_hamlets_tile_their_commune_exactly():
    boundaries = synthetic_province().boundaries
    province = Polygon(boundaries["99"])
    communes = [Polygon(boundaries[code]) for code, _, _ in COMMUNES]
    for code, _, _ in COMMUNES:
        commune, hamlets = Polygon(boundaries[code]), [Polygon(boundaries[f"{code}-0{n}"]) for n in (1, 2, 3)]
        assert commune.is_valid and all(hamlet.is_valid and hamlet.exterior.is_ccw for hamlet in hamlets)
        assert unary_union(hamlets).symmetric_difference(commune).area == 0
        assert sum(a.intersection(b).area for a in hamlets for b in hamlets if a is not b) == 0
        assert province.contains(commune) and 12 < commune.area * 104.3 * 110.6 < 20  # about 4 × 4 km
    assert communes[0].touches(communes[1]) and communes[1].touches(communes[2])


@slow
def test_photos_are_phone_jpegs_and_a_few_are_missing_reused_or_old(demo):
    attachments = db.session.execute(
        sa.select(SubmissionAttachment, SubmissionDef.submission_id)
        .join(SubmissionDef, SubmissionDef.id == SubmissionAttachment.submission_def_id)
        .where(SubmissionDef.current)).all()
    assert len(attachments) >= 300
    missing = [attachment for attachment, _ in attachments if attachment.blob_id is None]
    assert 1 <= len(missing) <= 10  # "attachments present / expected" has something to show
    photos = [(attachment, submission) for attachment, submission in attachments
              if attachment.content_type == "image/jpeg" and attachment.blob_id is not None]
    years, orientations, devices = Counter(), Counter(), set()
    for attachment, _ in photos[::9]:
        with open_blob(attachment.blob) as stream:
            data = stream.read()
        image = Image.open(io.BytesIO(data))
        exif = image.getexif()
        assert data[:2] == b"\xff\xd8" and image.format == "JPEG" and image.size == (1024, 768)
        years[exif.get_ifd(EXIF_IFD)[ExifTags.Base.DateTimeOriginal][:4]] += 1
        orientations[exif.get(ExifTags.Base.Orientation)] += 1
        devices.add((exif[ExifTags.Base.Make], exif[ExifTags.Base.Model]))
    assert years["2026"] > 10 and set(years) <= {"2024", "2026"}
    assert orientations[1] and orientations[6] and ("samsung", "SM-A125F") in devices
    shared = Counter(attachment.blob_id for attachment, _ in photos)
    reused = [blob for blob, times in shared.items() if times > 1]
    assert len(reused) == 1 and len({submission for attachment, submission in photos
                                     if attachment.blob_id == reused[0]}) == 2


def test_a_photo_taken_upright_is_stored_on_its_side():
    data = photo_jpeg(7, "giay_chung_nhan", datetime(2026, 11, 12, 9, 30), portrait=True)
    image = Image.open(io.BytesIO(data))
    assert image.size == (1024, 768) and image.getexif()[ExifTags.Base.Orientation] == 6
    assert ImageOps.exif_transpose(image).size == (768, 1024)


@slow
def test_reviews_of_every_state_with_what_is_wrong(demo):
    states = Counter(state for state, in rows(demo, Submission.review_state))
    total = sum(states.values())
    assert 0.3 < states["approved"] / total < 0.5 and 0.05 < states["hasIssues"] / total < 0.15
    assert 0.03 < states["rejected"] / total < 0.08 and states["edited"] == 1 and states[None] > 0.3 * total
    for submission_id, state in rows(demo, Submission.id, Submission.review_state):
        comments = submission_queries.list_comments(submission_id)
        if state in ("hasIssues", "rejected", "edited"):
            assert comments and all(comment.body.strip() for comment in comments)
    [edited] = [submission_id for submission_id, state in rows(demo, Submission.id, Submission.review_state)
                if state == "edited"]
    latest, first = submission_queries.list_versions(edited)
    assert read_instance(latest.xml.encode()).deprecated_id == first.instance_id != latest.instance_id
    assert latest.created_at > first.created_at and latest.xml != first.xml


@slow
def test_the_supervisor_and_the_viewer_each_see_one_commune(demo, app):
    password = (app.config["DATA_DIR"] / "demo-admin-password").read_text().strip()
    for (email, name, role, commune), user in ((DEMO_SUPERVISOR, demo.supervisor), (DEMO_VIEWER, demo.viewer)):
        assert user.email == email and user.actor.display_name == name
        with app.test_request_context():
            assert auth_service.authenticate_password(email, password) is user
        scope = area_service.user_scope_codes(demo.project.id, user.actor.id)
        assert scope == {commune, f"{commune}-01", f"{commune}-02", f"{commune}-03"}
        verbs = auth_service.verbs_of_actor(user.actor.id, demo.project.id)
        assert ("submission.update" in verbs) == (role == "manager") and "submission.read" in verbs
    assert demo.supervisor.actor.display_name == "Giám sát Xã Hòa Bình (mẫu)"


@slow
def test_results_recognise_some_households_and_not_others(demo):
    households = Counter(result.recognised for result, *_ in counted_results(demo.project.id, kind="gia_dinh"))
    assert households[True] >= 30 and households[False] >= 15


@slow
def test_loading_again_changes_nothing(demo, app):
    before = counts(demo)
    boundaries_set_at = db.session.execute(sa.text("SELECT max(updated_at) FROM areas")).scalar()
    again = load_demo(app.config)
    assert counts(demo) == before and again.supervisor is demo.supervisor
    assert db.session.execute(sa.text("SELECT max(updated_at) FROM areas")).scalar() == boundaries_set_at


def test_the_plan_is_the_same_every_time_and_its_xml_is_collects():
    first, second = (plan_submissions(synthetic_province()) for _ in range(2))
    assert [item.answers for item in first] == [item.answers for item in second]
    item = next(item for item in first if item.xml_form_id == "gia_dinh_hoc_tap" and item.files)
    assert render_file(item.files[0]) == render_file(second[first.index(item)].files[0])
    xform = (XFORM_DIR / "gia_dinh_hoc_tap.xml").read_bytes()
    xml = instance_xml(xform, item.answers, item.instance_id, item.instance_name)
    instance = read_instance(xml)
    assert (instance.xml_form_id, instance.version, instance.instance_id) == ("gia_dinh_hoc_tap", "2026.1",
                                                                              item.instance_id)
    assert instance.root.findtext("tc3/goc_hoc_tap") in ("co", "khong") and instance.root.nsmap.get(None) is None
    assert instance.root.find("tc4/anh_gia_dinh_van_hoa") is not None  # every field is there, answered or not


def test_the_demos_evidence_is_checked_and_shows_each_planted_problem(demo):
    from server.evidence.service import flags, project_settings
    found = flags(demo.project.id, project_settings(demo.project.id))
    kinds = Counter(flag["kind"] for flag in found)
    assert kinds["photo_reused"] == 2 and kinds["photo_near_duplicate"] == 2  # each pair: both submissions
    assert kinds["gps_outside_area"] >= 2 and kinds["gps_inaccurate"] >= 1 and kinds["photo_time_outside_period"] >= 2
    assert all(flag["message"]["vi"] and flag["message"]["en"] for flag in found)
