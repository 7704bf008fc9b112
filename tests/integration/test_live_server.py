"""The server as a newcomer starts it: `minhchung serve --demo` (gunicorn), driven over real HTTP."""

import hashlib
import os
import subprocess

import pytest
import requests

from tests.conftest import TEST_DATABASE_ENV
from tests.factories import XLSX, xlsx_from_markdown
from tests.live import MINHCHUNG, drop_postgres_database, fresh_postgres_database

pytestmark = pytest.mark.slow
MEDIA_FORM = """
| survey   |                               |         |            |
|          | type                          | name    | label      |
|          | select_one_from_file thon.csv | thon    | Thôn       |
| settings |                               |         |            |
|          | form_id                       | version | form_title |
|          | danh_sach                     | 1       | Danh sách  |
"""


@pytest.fixture
def server(live_server):
    return live_server


def test_demo_is_served_with_printed_credentials(server):
    log = server.output.read_text()
    assert f"password: {server.admin_password}" in log and "admin@minhchung.local" in log
    health = requests.get(f"{server.url}/health", timeout=10).json()
    assert health["status"] == "ok"
    if os.environ.get(TEST_DATABASE_ENV):
        assert health["database"] == "postgresql" and health["postgis"]
    headers = server.login()
    projects = [p for p in requests.get(f"{server.url}/v1/projects", headers=headers, timeout=10).json()
                if "dữ liệu tổng hợp" in p["name"]]
    assert len(projects) == 1
    forms = requests.get(f"{server.url}/v1/projects/{projects[0]['id']}/forms", headers=headers, timeout=10).json()
    by_id = {form["xmlFormId"]: form for form in forms}
    assert {"gia_dinh_hoc_tap", "dong_ho_hoc_tap", "cong_dong_hoc_tap", "don_vi_hoc_tap",
            "cong_dan_hoc_tap"} <= set(by_id)  # every criteria workbook in xlsforms/
    xml = requests.get(f"{server.url}/v1/projects/{projects[0]['id']}/forms/gia_dinh_hoc_tap.xml", headers=headers,
                       timeout=10)
    assert hashlib.md5(xml.content).hexdigest() == by_id["gia_dinh_hoc_tap"]["hash"]


def test_chunked_uploads_and_size_limits(server):
    headers = server.login()
    project = requests.post(f"{server.url}/v1/projects", json={"name": "Live"}, headers=headers, timeout=10).json()
    base = f"{server.url}/v1/projects/{project['id']}/forms"
    created = requests.post(f"{base}?publish=false", data=xlsx_from_markdown(MEDIA_FORM),
                            headers={**headers, "Content-Type": XLSX}, timeout=60)
    assert created.status_code == 200, created.text

    chunks = [b"name,label\n"] + [f"thon_{i},Thôn {i}\n".encode() for i in range(2000)]
    uploaded = requests.post(f"{base}/danh_sach/draft/attachments/thon.csv", data=iter(chunks),
                             headers={**headers, "Content-Type": "text/csv"}, timeout=60)  # Transfer-Encoding: chunked
    assert uploaded.status_code == 200, uploaded.text
    fetched = requests.get(f"{base}/danh_sach/draft/attachments/thon.csv", headers=headers, timeout=10)
    assert fetched.content == b"".join(chunks)

    too_big = iter([b"x" * 65536] * 64)  # 4 MiB, chunked, over the 3 MiB limit
    refused = requests.post(f"{base}/danh_sach/draft/attachments/thon.csv", data=too_big,
                            headers={**headers, "Content-Type": "text/csv"}, timeout=60)
    assert refused.status_code == 413 and refused.json()["code"] == 413.1
    still = requests.get(f"{base}/danh_sach/draft/attachments/thon.csv", headers=headers, timeout=10)
    assert still.content == b"".join(chunks)

    big_form = requests.post(f"{base}?publish=false", data=b"x" * (2 * 1024 * 1024),
                             headers={**headers, "Content-Type": XLSX}, timeout=60)
    assert big_form.status_code == 413 and big_form.json()["code"] == 413.1


def test_basic_auth_needs_https_behind_the_proxy(server):
    auth = ("admin@minhchung.local", server.admin_password)
    plain = requests.get(f"{server.url}/v1/users/current", auth=auth, timeout=10)
    assert plain.status_code == 401 and plain.json()["code"] == 401.3
    proxied = requests.get(f"{server.url}/v1/users/current", auth=auth, headers={"X-Forwarded-Proto": "https"},
                           timeout=10)
    assert proxied.status_code == 200 and proxied.json()["email"] == "admin@minhchung.local"


def run_cli(args, env, tmp_path):
    env = {**os.environ, "MINHCHUNG_DATA_DIR": str(tmp_path), **env}
    return subprocess.run([MINHCHUNG, *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("url, says", [
    ("mysql://root@localhost/x", "PostgreSQL with PostGIS"),
    ("not a url", "not a database URL"),
    ("postgresql://postgres@127.0.0.1:1/nowhere", "cannot prepare the database"),
])
def test_bad_database_url_fails_loudly(tmp_path, url, says):
    result = run_cli(["serve", "--port", "1"], {"DATABASE_URL": url}, tmp_path)
    assert result.returncode == 1
    assert says in result.stderr and "Traceback" not in result.stderr


def test_missing_postgis_fails_loudly(tmp_path):
    base = os.environ.get(TEST_DATABASE_ENV)
    if not base:
        pytest.skip("PostGIS check applies to PostgreSQL runs (MINHCHUNG_TEST_DATABASE_URL)")
    url = fresh_postgres_database(base, "nopostgis")
    assert run_cli(["db", "upgrade"], {"DATABASE_URL": url}, tmp_path).returncode == 0
    import sqlalchemy as sa
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP EXTENSION postgis CASCADE"))
    engine.dispose()
    result = run_cli(["serve", "--port", "1"], {"DATABASE_URL": url}, tmp_path)
    drop_postgres_database(url)
    assert result.returncode == 1 and "PostGIS is not enabled" in result.stderr


def test_cli_creates_users_projects_and_roles(tmp_path):
    env = {"MINHCHUNG_PASSWORD": "mật khẩu rất dài"}
    created = run_cli(["user-create", "chi@example.org", "--admin"], env, tmp_path)
    assert created.returncode == 0 and "as administrator" in created.stdout
    assert run_cli(["user-create", "chi@example.org"], env, tmp_path).returncode == 1
    short = run_cli(["user-create", "dung@example.org"], {"MINHCHUNG_PASSWORD": "short"}, tmp_path)
    assert short.returncode == 1 and "length" in short.stderr
    run_cli(["user-create", "em@example.org"], env, tmp_path)
    project = run_cli(["project-create", "Xã Một"], {}, tmp_path)
    assert project.returncode == 0 and "Created project 1" in project.stdout
    assigned = run_cli(["role-assign", "em@example.org", "manager", "--project", "1"], {}, tmp_path)
    assert assigned.returncode == 0 and "Project Manager on project 1" in assigned.stdout
    listed = run_cli(["--help"], {}, tmp_path).stdout
    for command in ("serve", "user-create", "user-promote", "user-set-password", "project-create", "role-assign",
                    "forms-build", "db"):
        assert command in listed


def test_chunked_submission_over_the_accept_length_is_413_openrosa(server):
    headers = server.login()
    project = requests.post(f"{server.url}/v1/projects", json={"name": "Chunked"}, headers=headers, timeout=10).json()
    head = requests.head(f"{server.url}/v1/projects/{project['id']}/submission",
                         headers={**headers, "X-OpenRosa-Version": "1.0"}, timeout=10)
    assert head.status_code == 204
    limit = int(head.headers["X-OpenRosa-Accept-Content-Length"])
    boundary = "minhchungboundary"
    part = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"xml_submission_file\"; filename=\"i.xml\"\r\n"
            f"Content-Type: text/xml\r\n\r\n<data id=\"x\"/>\r\n--{boundary}\r\nContent-Disposition: form-data; "
            f"name=\"anh.jpg\"; filename=\"anh.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").encode()

    def body():  # no Content-Length: Transfer-Encoding chunked, past the advertised limit
        yield part
        for _ in range(2 * limit // 65536):  # twice what we were told we may send
            yield b"\xff" * 65536

    response = requests.post(f"{server.url}/v1/projects/{project['id']}/submission", data=body(), timeout=60,
                             headers={**headers, "X-OpenRosa-Version": "1.0",
                                      "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert response.status_code == 413
    assert response.text.startswith("<OpenRosaResponse") and 'nature="error"' in response.text
    assert response.headers["X-OpenRosa-Version"] == "1.0"


def test_digest_login_with_an_independent_client_over_plain_http(server):
    headers = server.login()
    project = requests.post(f"{server.url}/v1/projects", json={"name": "Digest"}, headers=headers, timeout=10).json()
    user = requests.post(f"{server.url}/v1/users", json={"email": "digest@example.org", "password": "mật khẩu dài đủ"},
                         headers=headers, timeout=10).json()
    requests.post(f"{server.url}/v1/projects/{project['id']}/assignments/formfill/{user['id']}", headers=headers,
                  timeout=10)
    url = f"{server.url}/v1/projects/{project['id']}/formList?formID=x"
    listed = requests.get(url, auth=requests.auth.HTTPDigestAuth("digest@example.org", "mật khẩu dài đủ"),
                          headers={"X-OpenRosa-Version": "1.0"}, timeout=10)
    assert listed.status_code == 200 and "<xforms" in listed.text
    refused = requests.get(url, auth=requests.auth.HTTPDigestAuth("digest@example.org", "wrong"),
                           headers={"X-OpenRosa-Version": "1.0"}, timeout=10)
    assert refused.status_code == 401
    # the very header that worked, sent again, is a replay: refused, with a fresh challenge (stale=true)
    signed = listed.request.headers["Authorization"]
    replayed = requests.get(url, headers={"X-OpenRosa-Version": "1.0", "Authorization": signed}, timeout=10)
    assert replayed.status_code == 401 and "stale=true" in replayed.headers["WWW-Authenticate"]


@pytest.mark.parametrize("path", ["/v1/sessions", "/v1/projects/1/submission"])
def test_a_malformed_chunked_body_is_400(server, path):
    import socket
    from urllib.parse import urlsplit
    address = urlsplit(server.url)
    content_type = "application/json" if path == "/v1/sessions" else "multipart/form-data; boundary=b"
    authorization = server.login()["Authorization"]  # so that the body is read, not refused unread
    request = (f"POST {path} HTTP/1.1\r\nHost: {address.netloc}\r\nContent-Type: {content_type}\r\n"
               f"Authorization: {authorization}\r\n"
               "X-OpenRosa-Version: 1.0\r\nTransfer-Encoding: chunked\r\n\r\n"
               "5\r\n{\"a\":\r\nZZZ-not-a-size\r\nxx\r\n0\r\n\r\n").encode()
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
            if b"\r\n\r\n" in answer:
                break
    status_line = answer.split(b"\r\n", 1)[0]
    assert status_line.startswith(b"HTTP/1.1 400") or status_line.startswith(b"HTTP/1.0 400"), answer[:300]


def test_demo_prints_a_collect_url_that_lists_the_demo_form(server):
    import re
    collect_url = re.search(r"server URL (http\S+/v1/key/\S+/projects/\d+)", server.output.read_text()).group(1)
    listed = requests.get(collect_url + "/formList", headers={"X-OpenRosa-Version": "1.0"}, timeout=10)
    assert listed.status_code == 200 and "<formID>gia_dinh_hoc_tap</formID>" in listed.text


def test_identical_submissions_arriving_together_are_filed_once(server):
    """Collect retrying while its first attempt is still being filed: both get 201, one submission exists."""
    import threading
    import uuid

    from tests.factories import xlsx_from_markdown as markdown
    headers = server.login()
    project = requests.post(f"{server.url}/v1/projects", json={"name": "Race"}, headers=headers, timeout=10).json()
    form = markdown("""
    | survey   |         |         |            |
    |          | type    | name    | label      |
    |          | text    | ten     | Tên        |
    |          | image   | anh     | Ảnh        |
    | settings |         |         |            |
    |          | form_id | version | form_title |
    |          | dua     | 1       | Đua        |
    """)
    requests.post(f"{server.url}/v1/projects/{project['id']}/forms?publish=true&ignoreWarnings=true", data=form,
                  headers={**headers, "Content-Type": XLSX}, timeout=60).raise_for_status()
    url = f"{server.url}/v1/projects/{project['id']}/submission"
    statuses = []
    for _ in range(15):
        iid = f"uuid:{uuid.uuid4()}"
        xml = ('<data id="dua" version="1"><ten>An</ten><anh>a.jpg</anh>'
               f'<meta><instanceID>{iid}</instanceID></meta></data>')
        photo = os.urandom(20000)
        barrier = threading.Barrier(2)

        def send():
            barrier.wait()
            response = requests.post(url, headers={**headers, "X-OpenRosa-Version": "1.0"}, timeout=60,
                                     files={"xml_submission_file": ("i.xml", xml, "text/xml"),
                                            "a.jpg": ("a.jpg", photo, "image/jpeg")})
            statuses.append(response.status_code)

        threads = [threading.Thread(target=send) for _ in range(2)]
        [thread.start() for thread in threads]
        [thread.join() for thread in threads]
    assert statuses == [201] * 30
    listed = requests.get(f"{server.url}/v1/projects/{project['id']}/forms/dua/submissions", headers=headers,
                          timeout=10).json()
    assert len(listed) == len({item["instanceId"] for item in listed}) == 15


def test_demo_has_a_province_with_registries_and_a_volunteer_per_hamlet(server):
    """The demo a newcomer sees: a synthetic province, a few hundred households, the criteria forms, and a
    volunteer per hamlet whose Collect gets only that hamlet's households."""
    import csv
    import io
    import re
    headers = server.login()
    areas = requests.get(f"{server.url}/v1/areas", headers=headers, timeout=10).json()
    hamlets = [area for area in areas if area["level"] == "hamlet" and area["code"].startswith("99")]
    assert len(hamlets) == 9 and any(area["level"] == "district" for area in areas)  # a legacy district kept
    [project] = [p for p in requests.get(f"{server.url}/v1/projects", headers=headers, timeout=10).json()
                 if "dữ liệu tổng hợp" in p["name"]]
    datasets = {d["name"] for d in requests.get(f"{server.url}/v1/projects/{project['id']}/datasets",
                                                headers=headers, timeout=10).json()}
    assert {"ho_gia_dinh", "cong_dan", "dong_ho", "don_vi"} <= datasets
    households = requests.get(f"{server.url}/v1/projects/{project['id']}/datasets/ho_gia_dinh/entities",
                              headers=headers, timeout=10).json()
    assert len(households) >= 300
    app_users = requests.get(f"{server.url}/v1/projects/{project['id']}/app-users", headers=headers, timeout=10).json()
    per_hamlet = [user for user in app_users if user["displayName"].startswith("TNV ")]
    assert len(per_hamlet) == 9
    volunteer = per_hamlet[0]
    [scope] = requests.get(f"{server.url}/v1/projects/{project['id']}/app-users/{volunteer['id']}/areas",
                           headers=headers, timeout=10).json()["areas"]
    assert scope["level"] == "hamlet" and "app-users/<id>/qr.png" in server.output.read_text()
    base = f"{server.url}/v1/key/{volunteer['token']}/projects/{project['id']}"
    listed = requests.get(base + "/formList", headers={"X-OpenRosa-Version": "1.0"}, timeout=10).text
    assert "<formID>gia_dinh_hoc_tap</formID>" in listed
    manifest_url = re.search(r"<manifestUrl>(\S+/forms/gia_dinh_hoc_tap/manifest)</manifestUrl>", listed).group(1)
    manifest = requests.get(manifest_url, headers={"X-OpenRosa-Version": "1.0"}, timeout=10).text
    csv_url = re.search(r"<downloadUrl>(\S+/ho_gia_dinh\.csv)</downloadUrl>", manifest).group(1)
    rows = list(csv.DictReader(io.StringIO(requests.get(csv_url, timeout=10).text)))
    assert len(rows) == 36 and {row["thon"] for row in rows} == {scope["code"]}


def test_publishing_a_new_rule_set_rescores_the_results_in_the_background(server):
    import time

    from tests.factories import instance_xml
    from tests.integration.test_scores import HOUSEHOLD_FORM
    headers = server.login()
    project = requests.post(f"{server.url}/v1/projects", json={"name": "Rescore"}, headers=headers, timeout=10).json()
    base = f"{server.url}/v1/projects/{project['id']}"
    assert requests.post(f"{base}/forms?publish=true", data=xlsx_from_markdown(HOUSEHOLD_FORM),
                         headers={**headers, "Content-Type": XLSX}, timeout=60).status_code == 200
    for number in range(40):
        xml = instance_xml(form_id="ho_thu", instance_id=f"uuid:ho-{number}",
                           body=f"<ho>H{number}</ho><thon>T1</thon><nam>2026</nam><biet_chu>co</biet_chu>")
        assert requests.post(f"{base}/forms/ho_thu/submissions", data=xml, timeout=10,
                             headers={**headers, "Content-Type": "application/xml"}).status_code == 200

    def pending():
        return requests.get(f"{base}/results/pending", headers=headers, timeout=10).json()["pending"]

    # (the run started by the first publish may have scored the first few under version 1)
    inverted = HOUSEHOLD_FORM.replace("| ho_thu              | 1        |", "| ho_thu              | 2        |")
    inverted = inverted.replace(
        "${biet_chu} = 'co'", "${biet_chu} = 'khong'")
    assert "= 'khong'" in inverted and "| 2        |" in inverted
    assert requests.post(f"{base}/forms/ho_thu/draft", data=xlsx_from_markdown(inverted), timeout=60,
                         headers={**headers, "Content-Type": XLSX}).status_code == 200
    assert requests.post(f"{base}/forms/ho_thu/draft/publish", headers=headers, timeout=10).status_code == 200
    deadline = time.monotonic() + 60  # none is scored under version 2 yet; nobody reads the results meanwhile,
    while pending() and time.monotonic() < deadline:  # so only the background run can score them
        time.sleep(0.2)
    assert pending() == 0
    results = requests.get(f"{base}/results", headers=headers, timeout=30).json()
    assert len(results) == 40 and not any(row["recognised"] for row in results)  # under version 2's rules


def test_evidence_is_checked_in_the_background(server):
    import time

    from tests.integration.test_evidence import jpeg
    headers = server.login()
    project = requests.post(f"{server.url}/v1/projects", json={"name": "Minh chứng"}, headers=headers,
                            timeout=10).json()
    base = f"{server.url}/v1/projects/{project['id']}"
    form = MEDIA_FORM.replace("select_one_from_file thon.csv | thon    | Thôn ",
                              "image                         | anh     | Ảnh  ").replace("danh_sach", "anh_thu  ")
    assert requests.post(f"{base}/forms?publish=true&ignoreWarnings=true", data=xlsx_from_markdown(form),
                         headers={**headers, "Content-Type": XLSX}, timeout=60).status_code == 200
    photo = jpeg(1)
    for number in range(2):  # the same photo for two submissions, from Collect
        xml = (f'<?xml version="1.0" ?><data id="anh_thu" version="1"><anh>anh.jpg</anh><meta><instanceID>'
               f"uuid:anh-{number}</instanceID></meta></data>").encode()
        sent = requests.post(f"{base}/submission", headers={**headers, "X-OpenRosa-Version": "1.0"}, timeout=30,
                             files={"xml_submission_file": ("x.xml", xml, "text/xml"),
                                    "anh.jpg": ("anh.jpg", photo, "image/jpeg")})
        assert sent.status_code == 201, sent.text
    deadline = time.monotonic() + 60  # nobody reads the flags meanwhile: only the background checks them
    while requests.get(f"{base}/flags/pending", headers=headers, timeout=10).json()["pending"] \
            and time.monotonic() < deadline:
        time.sleep(0.2)
    assert requests.get(f"{base}/flags/pending", headers=headers, timeout=10).json()["pending"] == 0
    flags = requests.get(f"{base}/flags", headers=headers, timeout=10).json()
    assert sorted((flag["instanceId"], flag["kind"]) for flag in flags) == [
        ("uuid:anh-0", "photo_reused"), ("uuid:anh-1", "photo_reused")]
