#!/usr/bin/env python3
"""Desk benchmark: the supervisors' web pages (server/web/) on PostgreSQL, with 100,000 submissions.

Builds a scratch database `minhchung_bench_web` (PostGIS; dropped at the end unless --keep) with the demo's
synthetic province, its registries and one app user per hamlet, publishes the real `gia_dinh_hoc_tap` workbook of
xlsforms/, and makes an administrator and a project manager limited to one commune. A few household submissions
go through the real ingest (ODK Collect's multipart POST as an app user) and the real scoring; the rest are
copies of them loaded in bulk with COPY (varied instanceID, instanceName, household, hamlet, geopoint, photo
names, review state and date over 30 days; score rows copied from the real ones, a few left for score_pending).
Every photo a submission names points at one of --thumbnails distinct 3-megapixel JPEGs in the blob store.

Then, in-process with Flask's test client against the real app, logged in through the desk's login form:
  table      GET …/forms/gia_dinh_hoc_tap/submissions and variants (page 50, a state, a search, an area, by
             score, 250 rows), as the administrator and as the limited manager: server time p50 / p99;
  map        GET …/map/points.json with ?since= chosen so that exactly --map-points submissions match;
  thumbnails GET …/submissions/<instanceId>/files/<name>?size=240 for each distinct photo: the first request
             decodes and stores the thumbnail, the second must be served from the store (rows counted);
  memory     the process's peak RSS after each phase, and tracemalloc's peak during one request of each kind.
It prints the figures against the aims (table p50 <= 150 ms, map data <= 1 s). This is not a test; see
bench/README.md.
"""

import argparse
import hashlib
import io
import json
import math
import os
import platform
import random
import re
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from datetime import time as day_start
from pathlib import Path

import sqlalchemy as sa
from PIL import Image, ImageChops, ImageDraw

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.rollup import fresh_postgis_database  # noqa: E402
from server import create_app  # noqa: E402
from server.appusers import service as appuser_service  # noqa: E402
from server.areas import service as area_service  # noqa: E402
from server.areas.models import Area  # noqa: E402
from server.auth import service as auth_service  # noqa: E402
from server.blobs.service import store_blob_bytes  # noqa: E402
from server.database import upgrade_database  # noqa: E402
from server.demo import load_areas_and_registries, publish_workbook  # noqa: E402
from server.demo_data import COMMUNES, synthetic_province  # noqa: E402
from server.extensions import db  # noqa: E402
from server.forms.build import XLSFORM_DIR  # noqa: E402
from server.forms.queries import get_form_by_project_and_xml_form_id  # noqa: E402
from server.projects import service as project_service  # noqa: E402
from server.scoring.scores import score_pending  # noqa: E402
from server.subject_kinds import BY_CODE, GIA_DINH  # noqa: E402
from tests.live import drop_postgres_database  # noqa: E402

DATABASE = "minhchung_bench_web"
FORM_ID = "gia_dinh_hoc_tap"
ADMIN_EMAIL, MANAGER_EMAIL = "admin@bench-web.invalid", "manager@bench-web.invalid"
PASSWORD = "bench password not secret"
COMMUNE = COMMUNES[0][0]  # the manager's commune
YEAR = "2026"
COLLECT = {"X-OpenRosa-Version": "1.0", "User-Agent": "org.odk.collect.android/v2024.3.5"}
REVIEW_STATES = [(None, 0.45), ("approved", 0.35), ("hasIssues", 0.12), ("rejected", 0.08)]
AIM_TABLE_MS, AIM_MAP_S = 150, 1.0
PHOTO_SIZE = (2048, 1536)
UNSCORED_SHARE = 0.03  # left without a score row: score_pending scores them once during setup
# Answers that differ from BASE in each template (so totals and recognition vary): the indicators not met.
BASE = {"so_tre_do_tuoi_pho_cap": "2", "so_tre_di_hoc": "2", "so_tre_chua_di_hoc": "0", "so_hoc_sinh": "2",
        "so_hoc_sinh_dat": "2", "so_hoc_sinh_chua_dat": "0", "tre_le_phep_tham_gia": "co", "so_nguoi_lon": "3",
        "so_nguoi_lon_19_60": "2", "so_nguoi_lon_biet_chu": "2", "so_nguoi_chua_biet_chu": "0",
        "so_nguoi_lon_hoc": "3", "so_nguoi_lon_chua_hoc": "0", "so_nguoi_lon_dang_ky_cdht": "1",
        "goc_hoc_tap": "co", "thiet_bi_internet": "co", "van_dung_kien_thuc": "co", "gia_dinh_van_hoa": "co"}
TEMPLATES = [{}, {"so_nguoi_lon_hoc": "2", "so_nguoi_lon_chua_hoc": "1"},
             {"so_nguoi_lon_hoc": "1", "so_nguoi_lon_chua_hoc": "2", "so_nguoi_lon_dang_ky_cdht": "0"},
             {"goc_hoc_tap": "khong", "gia_dinh_van_hoa": "khong"},
             {"so_hoc_sinh_dat": "1", "so_hoc_sinh_chua_dat": "1", "thiet_bi_internet": "khong",
              "so_nguoi_lon_hoc": "2", "so_nguoi_lon_chua_hoc": "1"},
             {"so_tre_di_hoc": "1", "so_tre_chua_di_hoc": "1", "so_hoc_sinh_dat": "1", "so_hoc_sinh_chua_dat": "1",
              "goc_hoc_tap": "khong", "van_dung_kien_thuc": "khong", "gia_dinh_van_hoa": "khong",
              "so_nguoi_lon_dang_ky_cdht": "0"}]
EXAMPLE = "Áp dụng kỹ thuật trồng lúa SRI, năng suất tăng khoảng 10%"
NOTE = "Gia đình có tủ sách cho các cháu, rất nhiệt tình."


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgresql://postgres@localhost/postgres",
                        help=f"a PostgreSQL server (with PostGIS) where the scratch database {DATABASE} is made")
    parser.add_argument("--submissions", type=int, default=100_000)
    parser.add_argument("--map-points", type=int, default=20_000, help="submissions the map's ?since= matches")
    parser.add_argument("--thumbnails", type=int, default=30, help="distinct 3-megapixel JPEGs")
    parser.add_argument("--requests", type=int, default=30, help="measured requests per table case")
    parser.add_argument("--explain", action="store_true",
                        help="print each SQL statement of the first page with its time, and EXPLAIN ANALYZE of "
                             "the slow ones")
    parser.add_argument("--keep", action="store_true", help="keep the database and the data directory")
    return parser.parse_args()


# ---- setup -------------------------------------------------------------------------------------------------

def setup(app, args):
    """Everything the pages read; returns a dict of what the measurements need."""
    started = time.perf_counter()
    upgrade_database()
    admin = auth_service.create_user(ADMIN_EMAIL, PASSWORD, "Quản trị viên (bench)")
    auth_service.assign_role(admin.actor, "admin")
    project = project_service.create_project("Bench desk")
    publish_workbook(project, XLSFORM_DIR / f"{FORM_ID}.xlsx", {"ODK_VALIDATE": False,
                                                               "MAX_XLSX_UNZIPPED_BYTES": 100 << 20}, admin.actor)
    province = synthetic_province()
    load_areas_and_registries(project, province, admin.actor)
    form = get_form_by_project_and_xml_form_id(project.id, FORM_ID)
    manager = auth_service.create_user(MANAGER_EMAIL, PASSWORD, "Cán bộ xã (bench)")
    auth_service.assign_role(manager.actor, "manager", project.id)
    area_service.set_user_areas(project.id, manager.actor, [COMMUNE])
    volunteers = {}
    for code, name in province.hamlets:
        key = appuser_service.create_app_user(project, f"TNV {name}", by=admin.actor)
        area_service.set_app_user_areas(key, [code], by=admin.actor)
        appuser_service.assign_form_role(form, key.actor, "app-user", by=admin.actor)
        volunteers[code] = (key.actor_id, key.token)
    db.session.commit()
    households = province.registries[BY_CODE[GIA_DINH].registry][1]
    print(f"  project, form, {len(province.hamlets)} hamlets, {len(households)} households, users: "
          f"{time.perf_counter() - started:.1f} s", flush=True)
    photos = store_photos(args.thumbnails)
    templates = ingest_templates(app, project.id, form, households, volunteers, province)
    bulk_load(args, project.id, form, households, volunteers, province, templates, photos)
    return {"project_id": project.id, "form_id": form.id, "photos": photos}


def store_photos(count):
    """`count` distinct 2048×1536 JPEGs (gradients, shapes and sensor-like noise: ~1.1 MB each), stored as
    blobs; [(blob id, bytes)]."""
    started = time.perf_counter()
    width, height = PHOTO_SIZE
    noise = Image.merge("RGB", [Image.effect_noise(PHOTO_SIZE, 48) for _ in range(3)])
    gradient = Image.linear_gradient("L").resize(PHOTO_SIZE)
    stored = []
    for number in range(count):
        rng = random.Random(number)
        image = Image.merge("RGB", (gradient, gradient.transpose(Image.Transpose.ROTATE_180),
                                    gradient.transpose(Image.Transpose.FLIP_TOP_BOTTOM)))
        draw = ImageDraw.Draw(image)
        for _ in range(60):
            x, y, size = rng.randrange(width), rng.randrange(height), rng.randint(40, 400)
            draw.ellipse((x, y, x + size, y + size * rng.uniform(0.5, 1.5)),
                         fill=tuple(rng.randrange(256) for _ in range(3)))
        image = Image.blend(image, ImageChops.offset(noise, rng.randrange(width), rng.randrange(height)), 0.3)
        output = io.BytesIO()
        image.save(output, "JPEG", quality=88)
        stored.append((store_blob_bytes(output.getvalue()).id, len(output.getvalue())))
    db.session.commit()
    sizes = [size for _, size in stored]
    print(f"  {count} photos of {width}×{height} stored ({min(sizes) / 1e6:.2f}–{max(sizes) / 1e6:.2f} MB): "
          f"{time.perf_counter() - started:.1f} s", flush=True)
    return stored


def hamlet_centres(province):
    """{hamlet code: (latitude, longitude)} of the middle of each hamlet's synthetic boundary."""
    return {code: (statistics.fmean(lat for _, lat in ring[:-1]), statistics.fmean(lon for lon, _ in ring[:-1]))
            for code, ring in province.boundaries.items() if code in dict(province.hamlets)}


def instance_xml(version, fields):
    """A household submission as ODK Collect writes it (the XForm's instance, in its order)."""
    tc = {1: ["so_tre_do_tuoi_pho_cap", "so_tre_di_hoc", "so_tre_chua_di_hoc", "so_hoc_sinh", "so_hoc_sinh_dat",
              "so_hoc_sinh_chua_dat", "anh_hoc_ba", "tre_le_phep_tham_gia"],
          2: ["so_nguoi_lon", "so_nguoi_lon_19_60", "so_nguoi_lon_biet_chu", "so_nguoi_chua_biet_chu",
              "so_nguoi_lon_hoc", "so_nguoi_lon_chua_hoc", "anh_chung_nhan_hoc", "so_nguoi_lon_dang_ky_cdht"],
          3: ["goc_hoc_tap", "anh_goc_hoc_tap", "thiet_bi_internet"],
          4: ["van_dung_kien_thuc", "vi_du_van_dung", "gia_dinh_van_hoa", "anh_gia_dinh_van_hoa"]}

    def element(name):
        value = fields.get(name, "")
        return f"<{name}>{value}</{name}>" if value != "" else f"<{name}/>"

    head = "".join(element(name) for name in ("start", "end", "today", "deviceid", "gioi_thieu", "nam_danh_gia",
                                              "thon", "xa", "ho", "nguoi_tra_loi", "vi_tri"))
    groups = "".join(f"<tc{n}>" + "".join(element(name) for name in names) + f"</tc{n}>" for n, names in tc.items())
    return (f'<?xml version="1.0" encoding="UTF-8"?><data xmlns:jr="http://openrosa.org/javarosa" '
            f'xmlns:orx="http://openrosa.org/xforms" id="{FORM_ID}" version="{version}">{head}{groups}'
            f"{element('ghi_chu')}<meta><instanceID>{fields['instanceID']}</instanceID>"
            f"<instanceName>{fields['instanceName']}</instanceName></meta></data>")


def template_fields(number, household, centre, moment):
    """The answers of template `number` for a household, and the values bulk copies replace."""
    hamlet = household.data["thon"]
    latitude, longitude = centre
    stamp = moment.astimezone(timezone(timedelta(hours=7)))
    millis = int(moment.timestamp() * 1000)
    fields = {**BASE, **TEMPLATES[number], "start": (stamp - timedelta(minutes=14)).isoformat(timespec="milliseconds"),
              "end": stamp.isoformat(timespec="milliseconds"), "today": stamp.date().isoformat(),
              "deviceid": f"collect:bench{number:011d}", "nam_danh_gia": YEAR, "thon": hamlet, "xa": hamlet[:5],
              "ho": household.uuid, "nguoi_tra_loi": household.data["chu_ho"],
              "vi_tri": f"{latitude:.7f} {longitude:.7f} 4.2 3.9",
              "instanceID": f"uuid:00000000-0000-4000-8000-{number:012d}",
              "instanceName": f"{household.label} – {YEAR}", "ghi_chu": NOTE}
    if fields["van_dung_kien_thuc"] == "co":
        fields["vi_du_van_dung"] = EXAMPLE
    files = {"anh_hoc_ba": f"{millis + 1}.jpg", "anh_goc_hoc_tap": f"{millis + 2}.jpg",
             "anh_chung_nhan_hoc": f"{millis + 3}.jpg", "anh_gia_dinh_van_hoa": f"{millis + 4}.jpg"}
    if fields["goc_hoc_tap"] != "co":
        files.pop("anh_goc_hoc_tap")
    if fields["gia_dinh_van_hoa"] != "co":
        files.pop("anh_gia_dinh_van_hoa")
    return {**fields, **files}, files


def ingest_templates(app, project_id, form, households, volunteers, province):
    """One submission per template through the real ingest (Collect's POST, as the hamlet's app user), then the
    real scoring; [(stored XML, its replaced values, its files, its score row)]."""
    started = time.perf_counter()
    centres = hamlet_centres(province)
    client = app.test_client()
    made = []
    for number in range(len(TEMPLATES)):
        household = households[number * 37 % len(households)]
        fields, files = template_fields(number, household, centres[household.data["thon"]], datetime.now(timezone.utc))
        xml = instance_xml(form.current_def.version, fields).encode()
        token = volunteers[household.data["thon"]][1]
        response = client.post(f"/v1/key/{token}/projects/{project_id}/submission?deviceID={fields['deviceid']}",
                               data={"xml_submission_file": (io.BytesIO(xml), "submission.xml", "text/xml")},
                               headers={**COLLECT, "Date": time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())})
        if response.status_code != 201:
            sys.exit(f"the real ingest answered {response.status_code}: {response.data[:500]!r}")
        made.append((fields, files))
    scored = score_pending(project_id)
    db.session.commit()
    rows = db.session.execute(sa.text(
        "SELECT s.id, s.instance_id, s.area_id, d.xml, d.latitude, sc.* FROM submissions s "
        "JOIN submission_defs d ON d.submission_id = s.id AND d.current "
        "JOIN scores sc ON sc.submission_def_id = d.id WHERE s.form_id = :form ORDER BY s.id"),
        {"form": form.id}).mappings().all()
    if len(rows) != len(TEMPLATES) or any(row["area_id"] is None or row["latitude"] is None for row in rows):
        sys.exit(f"the real ingest did not place, locate or score the templates: {rows}")
    print(f"  {len(TEMPLATES)} submissions through the real ingest and scoring ({scored} scored; totals "
          f"{', '.join(str(row['total']) for row in rows)}): {time.perf_counter() - started:.1f} s", flush=True)
    return [(row["xml"], fields, files, dict(row)) for row, (fields, files) in zip(rows, made)]


def pick_state(rng):
    value = rng.random()
    for state, share in REVIEW_STATES:
        if value < share:
            return state
        value -= share
    return None


def created_times(count, map_points, now):
    """`count` increasing times over the past 30 days (the newest an hour ago), the last `map_points` of them on or
    after a midnight (UTC) about `map_points / count` of the way back; returns (times, that day)."""
    newest = now - timedelta(hours=1)
    oldest = now - timedelta(days=30)
    share = min(max(map_points / count, 0.0), 1.0)
    boundary = datetime.combine((newest - (newest - oldest) * share).date() + timedelta(days=1), day_start(),
                                tzinfo=timezone.utc)
    early, late = count - map_points, map_points
    times = [oldest + (boundary - oldest) * (k / max(early, 1)) for k in range(early)]
    times += [boundary + (newest - boundary) * (k / max(late, 1)) for k in range(late)]
    return times, boundary.date()


def bulk_load(args, project_id, form, households, volunteers, province, templates, photos):
    """The remaining submissions, copies of the templates, with COPY in batches of 10,000."""
    started = time.perf_counter()
    count = args.submissions - len(templates)
    rng = random.Random(2026)
    centres = hamlet_centres(province)
    area_ids = dict(db.session.execute(sa.select(Area.code, Area.id)).all())
    form_def_id = form.current_def_id
    times, since = created_times(count, args.map_points, datetime.now(timezone.utc))
    # the template submissions move before the bulk range, so that the map's ?since= matches only bulk ones
    db.session.execute(sa.text("UPDATE submissions SET created_at = :at WHERE form_id = :form"),
                       {"at": times[0] - timedelta(days=1), "form": form.id})
    db.session.execute(sa.text("UPDATE submission_defs SET created_at = :at WHERE form_id = :form"),
                       {"at": times[0] - timedelta(days=1), "form": form.id})
    ids = {table: db.session.execute(sa.text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar()
           for table in ("submissions", "submission_defs", "scores", "submission_attachments")}
    raw = db.session.connection().connection.driver_connection
    copied = {"submissions": 0, "submission_defs": 0, "scores": 0, "submission_attachments": 0}
    score_columns = ["ruleset_id", "model", "total", "result", "level", "recognised", "mandatory_met", "points",
                     "unmet", "held_back_by", "error"]
    batch = 10_000
    for first in range(0, count, batch):
        rows = {table: [] for table in copied}
        for k in range(first, min(first + batch, count)):
            xml, fields, files, score = templates[k % len(templates)]
            household = households[rng.randrange(len(households))]
            hamlet = household.data["thon"]
            at = times[k]
            latitude, longitude = (centre + rng.uniform(-0.006, 0.006) for centre in centres[hamlet])
            instance_id = f"uuid:{rng.getrandbits(128):032x}"
            instance_id = (f"uuid:{instance_id[5:13]}-{instance_id[13:17]}-4{instance_id[18:21]}-"
                           f"a{instance_id[22:25]}-{instance_id[25:37]}")
            name = f"{household.label} – {YEAR}"
            millis = int(at.timestamp() * 1000)
            new_files = {field: f"{millis + n}.jpg" for n, field in enumerate(files, start=1)}
            copy = (xml.replace(fields["instanceID"], instance_id).replace(fields["instanceName"], name)
                    .replace(fields["ho"], household.uuid).replace(f"<nguoi_tra_loi>{fields['nguoi_tra_loi']}<",
                                                                   f"<nguoi_tra_loi>{household.data['chu_ho']}<")
                    .replace(fields["vi_tri"], f"{latitude:.7f} {longitude:.7f} 4.2 3.9")
                    .replace(f"<thon>{fields['thon']}<", f"<thon>{hamlet}<")
                    .replace(f"<xa>{fields['xa']}<", f"<xa>{hamlet[:5]}<"))
            for field, file_name in files.items():
                copy = copy.replace(file_name, new_files[field])
            submitter, _ = volunteers[hamlet]
            submission_id, def_id = ids["submissions"] + k + 1, ids["submission_defs"] + k + 1
            device = f"collect:{submitter:016d}"
            rows["submissions"].append((submission_id, form.id, instance_id, submitter, device, COLLECT["User-Agent"],
                                        pick_state(rng), area_ids[hamlet], False, at))
            rows["submission_defs"].append((def_id, submission_id, form.id, form_def_id, instance_id, copy,
                                            hashlib.sha256(copy.encode()).hexdigest(), True, name, submitter, device,
                                            COLLECT["User-Agent"], latitude, longitude, 4.2, 3.9,
                                            f"SRID=4326;POINT({longitude} {latitude})", at))
            if rng.random() >= UNSCORED_SHARE:
                rows["scores"].append((submission_id, def_id, form_def_id, household.uuid, hamlet, int(YEAR),
                                       *(json.dumps(score[c]) if c in ("points", "unmet", "held_back_by", "error")
                                         and score[c] is not None else score[c] for c in score_columns),
                                       at + timedelta(seconds=2)))
            for n, (field, file_name) in enumerate(new_files.items()):
                # every named photo has arrived; the k-th submission's study-corner photo is the k-th distinct JPEG
                blob_id = photos[k][0] if k < len(photos) and field == "anh_goc_hoc_tap" \
                    else photos[rng.randrange(len(photos))][0]
                rows["submission_attachments"].append((def_id, file_name, blob_id, "image/jpeg"))
        columns = {"submissions": "id, form_id, instance_id, submitter_id, device_id, user_agent, review_state, "
                                  "area_id, outside_areas, created_at",
                   "submission_defs": "id, submission_id, form_id, form_def_id, instance_id, xml, xml_sha256, "
                                      "current, instance_name, submitter_id, device_id, user_agent, latitude, "
                                      "longitude, altitude, accuracy, location, created_at",
                   "scores": "submission_id, submission_def_id, form_def_id, subject, area_code, period, "
                             + ", ".join(score_columns) + ", scored_at",
                   "submission_attachments": "submission_def_id, name, blob_id, content_type"}
        with raw.cursor() as cursor:
            for table, values in rows.items():
                with cursor.copy(f"COPY {table} ({columns[table]}) FROM STDIN") as copy:
                    for row in values:
                        copy.write_row(row)
                copied[table] += len(values)
    for table in ("submissions", "submission_defs", "scores", "submission_attachments"):
        db.session.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                   f"(SELECT max(id) FROM {table}))"))
    db.session.commit()
    print(f"  {count:,} submissions bulk-loaded with COPY ({copied['scores']:,} score rows, "
          f"{copied['submission_attachments']:,} attachments): {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    scored = score_pending(project_id)
    db.session.commit()
    print(f"  score_pending scored the {scored:,} left unscored (real scoring): {time.perf_counter() - started:.1f} s",
          flush=True)
    started = time.perf_counter()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # what autovacuum does after a bulk load: statistics, and the visibility map that lets counts and the
        # current-version lookups read indexes alone
        connection.execute(sa.text("VACUUM ANALYZE"))
    print(f"  VACUUM ANALYZE: {time.perf_counter() - started:.1f} s", flush=True)
    args.since = since


# ---- measurement -------------------------------------------------------------------------------------------

class Statements:
    """The SQL statements the app runs while `active`, with their times (cursor execute to return)."""

    def __init__(self, engine):
        self.active, self.seen = False, []
        sa.event.listen(engine, "before_cursor_execute", self.before)
        sa.event.listen(engine, "after_cursor_execute", self.after)

    def before(self, connection, cursor, statement, parameters, context, executemany):
        connection.info["bench_started"] = time.perf_counter()

    def after(self, connection, cursor, statement, parameters, context, executemany):
        if self.active:
            self.seen.append((time.perf_counter() - connection.info.pop("bench_started"), statement, parameters))

    def start(self):
        self.active, self.seen = True, []

    def stop(self):
        self.active = False
        return self.seen


def login(app, email):
    """A test client logged in through the desk's form, as a browser does (the form's CSRF token)."""
    client = app.test_client()
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    if response.status_code != 302:
        sys.exit(f"logging in as {email} answered {response.status_code}")
    return client


def nearest_rank(values, share):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def timed_gets(client, url, count, warmups=3, statements=None):
    """(seconds of each of `count` GETs after `warmups`, SQL seconds of each, CPU seconds of this process (the
    app and the test client) in each, the last response)."""
    for _ in range(warmups):
        response = client.get(url)
        if response.status_code != 200:
            sys.exit(f"GET {url} answered {response.status_code}: {response.get_data(as_text=True)[:500]}")
    times, sql, cpu = [], [], []
    for _ in range(count):
        if statements is not None:
            statements.start()
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
        if statements is not None:
            sql.append(sum(seconds for seconds, _, _ in statements.stop()))
    return times, sql, cpu, response


def traced_peak(client, url):
    """tracemalloc's peak (bytes) during one GET."""
    tracemalloc.start()
    client.get(url)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def peak_rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def table_cases(base):
    return [("first page", base), ("page 50", base + "?page=50"), ("state=approved", base + "?state=approved"),
            ("q=Nguyễn", base + "?q=Nguy%E1%BB%85n"), (f"area={COMMUNE}", base + f"?area={COMMUNE}"),
            (f"area={COMMUNE}-01 (a hamlet)", base + f"?area={COMMUNE}-01"), ("sort=-score", base + "?sort=-score"),
            ("per_page=250", base + "?per_page=250")]


def measure_tables(app, args, context, statements, memory):
    base = f"/projects/{context['project_id']}/forms/{FORM_ID}/submissions"
    results = []
    for who, email in (("admin", ADMIN_EMAIL), (f"manager of {COMMUNE}", MANAGER_EMAIL)):
        client = login(app, email)
        for label, url in table_cases(base):
            times, sql, cpu, response = timed_gets(client, url, args.requests, statements=statements)
            body = response.get_data(as_text=True)
            rows = body.count("<tr data-instance=")
            total = int(re.search(r'data-total="(\d+)"', body).group(1))
            slow = slowest(client, url, statements)
            results.append((who, label, times, sql, cpu, rows, total, len(response.data), slow))
            print(f"  {who:<16} {label:<26} p50 {statistics.median(times) * 1000:6.1f} ms  "
                  f"p99 {nearest_rank(times, 0.99) * 1000:6.1f} ms  (SQL {statistics.median(sql) * 1000:5.1f} ms: "
                  f"{slow}; app CPU {statistics.median(cpu) * 1000:5.1f} ms)  {rows} of {total:,} rows", flush=True)
            if args.explain and (who == "admin" or label == "first page"):
                explain(app, client, url, statements, who)
        if who == "admin":
            memory["tracemalloc: one first page (admin)"] = traced_peak(client, base)
            memory["tracemalloc: one 250-row page (admin)"] = traced_peak(client, base + "?per_page=250")
    return results


STATEMENT_NAMES = [("count(*) AS count_1", "count"),
                   ("actors.display_name FROM actors WHERE", "submitters"),
                   ("submission_defs.instance_name, submissions.review_state", "page rows"),
                   ("SELECT submissions.id FROM submissions", "page ids"),
                   ("FROM submission_defs WHERE submission_defs.form_id", "pending scores"),
                   ("areas.level", "area choices"), ("FROM form_defs", "form version")]


def statement_name(statement):
    flat = " ".join(statement.split())
    return next((name for part, name in STATEMENT_NAMES if part in flat), " ".join(flat.split()[:3]))


def slowest(client, url, statements, count=3):
    """The slowest statements of one more request, named (listing.count, listing.page, listing.submitters…)."""
    statements.start()
    client.get(url)
    seen = sorted(statements.stop(), key=lambda item: -item[0])[:count]
    return ", ".join(f"{statement_name(statement)} {seconds * 1000:.0f}" for seconds, statement, _ in seen)


def explain(app, client, url, statements, who):
    """Each statement of one request with its time; EXPLAIN ANALYZE of those over 20 ms."""
    statements.start()
    client.get(url)
    seen = statements.stop()
    print(f"\n  statements of GET {url} as {who}:")
    for seconds, statement, _ in seen:
        print(f"    {seconds * 1000:7.1f} ms  {' '.join(statement.split())[:150]}")
    for seconds, statement, parameters in seen:
        if seconds < 0.02 or not statement.lstrip().upper().startswith(("SELECT", "WITH")):
            continue
        with app.app_context(), db.engine.connect() as connection:
            raw = connection.connection.driver_connection
            with raw.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                plan = "\n".join("      " + line for (line,) in cursor.fetchall())
        print(f"\n    EXPLAIN ANALYZE ({seconds * 1000:.1f} ms in the request):\n"
              f"      {' '.join(statement.split())}\n      parameters {parameters}\n{plan}")
    print()


def measure_map(app, args, context):
    url = f"/projects/{context['project_id']}/forms/{FORM_ID}/map/points.json?since={args.since.isoformat()}"
    results = []
    for who, email in (("admin", ADMIN_EMAIL), (f"manager of {COMMUNE}", MANAGER_EMAIL)):
        client = login(app, email)
        times, _, cpu, response = timed_gets(client, url, 10, warmups=2)
        points = len(json.loads(response.data)["points"])
        results.append((who, times, cpu, points, len(response.data)))
        print(f"  map {who:<16} p50 {statistics.median(times):.3f} s (app CPU {statistics.median(cpu):.3f} s)  "
              f"{points:,} points, {len(response.data) / 1e6:.2f} MB", flush=True)
    return url, results


def count_rows(app, table):
    with app.app_context():
        return db.session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()


def measure_thumbnails(app, context):
    """Each distinct photo's 240-px thumbnail, twice: made (decoded, shrunk, stored), then kept."""
    urls = one_url_per_photo(app, context)
    client = login(app, ADMIN_EMAIL)
    passes = []
    for _ in range(2):
        before = (count_rows(app, "thumbnails"), count_rows(app, "blobs"))
        times, sizes = [], []
        for url in urls:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
            if response.status_code != 200:
                sys.exit(f"GET {url} answered {response.status_code}")
            sizes.append(len(response.data))
        after = (count_rows(app, "thumbnails"), count_rows(app, "blobs"))
        passes.append((times, sizes, before, after))
        print(f"  thumbnails pass {len(passes)}: {len(urls) / sum(times):.1f}/s, median "
              f"{statistics.median(times) * 1000:.1f} ms; thumbnails rows {before[0]} → {after[0]}, "
              f"blobs {before[1]} → {after[1]}", flush=True)
    return passes


def one_url_per_photo(app, context):
    """A file URL per distinct photo: of the first submission that names it."""
    with app.app_context():
        found = db.session.execute(sa.text(
            "SELECT DISTINCT ON (a.blob_id) s.instance_id, a.name FROM submission_attachments a "
            "JOIN submission_defs d ON d.id = a.submission_def_id AND d.current "
            "JOIN submissions s ON s.id = d.submission_id AND s.form_id = :form "
            "WHERE a.blob_id = ANY(:blobs) ORDER BY a.blob_id, s.id"),
            {"blobs": [blob for blob, _ in context["photos"]], "form": context["form_id"]}).all()
    return [f"/projects/{context['project_id']}/forms/{FORM_ID}/submissions/{instance}/files/{name}?size=240"
            for instance, name in found]


# ---- report ------------------------------------------------------------------------------------------------

def machine(app):
    with app.app_context():
        version = db.session.execute(sa.text("SHOW server_version")).scalar()
        size = db.session.execute(sa.text("SELECT pg_size_pretty(pg_database_size(current_database()))")).scalar()
    return (f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), Python "
            f"{platform.python_version()}, PostgreSQL {version} (database {size})")


def report(args, tables, maps, thumbnails, memory, setup_seconds, loads, app):
    print(f"\n### Desk on PostgreSQL: {args.submissions:,} submissions of {FORM_ID}\n")
    print(f"Machine: {machine(app)}; 1-minute load average {loads[0]:.2f} before the measurements, "
          f"{loads[1]:.2f} after (above {os.cpu_count()}, the figures include waiting for a core).")
    print(f"Setup {setup_seconds:.0f} s: {len(TEMPLATES)} submissions through the real ingest and scoring, the rest "
          "copied from them in bulk (COPY), not ingested; in-process (Flask test client), server time = "
          "perf_counter around client.get.\n")
    print(f"| page (GET …/forms/{FORM_ID}/submissions…) | who | rows shown | matching | p50 ms | p99 ms "
          f"| SQL p50 ms | slowest statements, ms | app CPU p50 ms | HTML KB | aim p50 ≤ {AIM_TABLE_MS} ms |")
    print("|---|---|---:|---:|---:|---:|---:|---|---:|---:|---|")
    for who, label, times, sql, cpu, rows, total, size, slow in tables:
        p50 = statistics.median(times) * 1000
        aim = "met" if p50 <= AIM_TABLE_MS else "MISSED"
        print(f"| {label} | {who} | {rows} | {total:,} | {p50:.1f} | {nearest_rank(times, 0.99) * 1000:.1f} "
              f"| {statistics.median(sql) * 1000:.1f} | {slow} | {statistics.median(cpu) * 1000:.1f} "
              f"| {size / 1024:.0f} | {aim} |")
    print(f"\n({args.requests} requests per row after 3 warm-ups; p99 by nearest rank, so the slowest of "
          f"{args.requests}. SQL: the time from each statement's execute to its return, summed; app CPU: CPU time "
          "of this process (Flask, Jinja, XML, the test client) per request, which waiting for a busy core does not "
          "inflate.)\n")
    print(f"| map data (GET …/map/points.json?since={args.since.isoformat()}) | who | points | payload MB | p50 s "
          f"| slowest s | app CPU p50 s | aim ≤ {AIM_MAP_S:.0f} s |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for who, times, cpu, points, size in maps:
        p50 = statistics.median(times)
        print(f"| 10 requests after 2 warm-ups | {who} | {points:,} | {size / 1e6:.2f} | {p50:.3f} "
              f"| {max(times):.3f} | {statistics.median(cpu):.3f} | {'met' if p50 <= AIM_MAP_S else 'MISSED'} |")
    print(f"\n| thumbnails (?size=240 of {len(thumbnails[0][0])} distinct {PHOTO_SIZE[0]}×{PHOTO_SIZE[1]} JPEGs) "
          "| per second | median ms | thumbnail rows before → after | blobs before → after |")
    print("|---|---:|---:|---|---|")
    for label, (times, sizes, before, after) in zip(("first request (decoded, made, stored)",
                                                     "second request (kept)"), thumbnails):
        print(f"| {label} | {len(times) / sum(times):.1f} | {statistics.median(times) * 1000:.1f} "
              f"| {before[0]} → {after[0]} | {before[1]} → {after[1]} |")
    kept = thumbnails[1][2] == thumbnails[1][3]
    print(f"\nSecond pass decoded nothing: {'yes' if kept else 'NO'} (rows unchanged); thumbnail size median "
          f"{statistics.median(thumbnails[0][1]) / 1024:.1f} KB.\n")
    print("| memory | MiB |")
    print("|---|---:|")
    for label, value in memory.items():
        print(f"| {label} | {value / 2**20:,.0f} |")


def main():
    args = parse_args()
    url = fresh_postgis_database(args.database_url, DATABASE)
    data_dir = Path(tempfile.mkdtemp(prefix="minhchung-bench-web-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": data_dir, "ODK_VALIDATE": False,
                      "RESCORE_IN_BACKGROUND": False})
    try:
        print(f"Setting up {args.submissions:,} submissions in {DATABASE} (PostgreSQL), data in {data_dir}", flush=True)
        started = time.perf_counter()
        with app.app_context():
            context = setup(app, args)
        setup_seconds = time.perf_counter() - started
        memory = {"peak RSS after setup": peak_rss()}
        statements = Statements(engine_of(app))
        loads = [os.getloadavg()[0]]
        print("Table pages", flush=True)
        tables = measure_tables(app, args, context, statements, memory)
        memory["peak RSS after the table pages"] = peak_rss()
        print("Map data", flush=True)
        map_url, maps = measure_map(app, args, context)
        memory["peak RSS after the map data"] = peak_rss()
        client = login(app, ADMIN_EMAIL)
        memory["tracemalloc: one map data request (admin)"] = traced_peak(client, map_url)
        print("Thumbnails", flush=True)
        thumbnails = measure_thumbnails(app, context)
        memory["peak RSS after the thumbnails"] = peak_rss()
        loads.append(os.getloadavg()[0])
        report(args, tables, maps, thumbnails, memory, setup_seconds, loads, app)
    finally:
        with app.app_context():
            db.engine.dispose()
        if not args.keep:
            drop_postgres_database(url)
            shutil.rmtree(data_dir, ignore_errors=True)
        else:
            print(f"\nkept: {url} and {data_dir}")


def engine_of(app):
    with app.app_context():
        return db.engine


if __name__ == "__main__":
    main()
