"""Durability under crashes: SIGKILL the whole server while ODK Collect clients upload, restart, resend.

A real `minhchung serve` (gunicorn, 2 workers) receives a stream of submissions, each with its own
photo (some with two, split into two POSTs by Collect's rules because the server's accept length is
small), from a few client threads that behave exactly like ODK Collect (tests/collect_client.py).
Meanwhile a killer thread sends SIGKILL to the server's process group several times at random moments
and restarts it on the same port, data directory and database. A submission is acknowledged only when
every POST of it got 201; anything else is resent in full after the restart, as Collect does. Every
tenth submission's first attempt also stops waiting for the answer right after sending (a phone losing
its network), so the server files it but the client resends it: the resend must not make a second record.

At the end every submission must be stored exactly once, with its XML byte-for-byte, and every photo's
bytes in the blob store must be those sent. Set CHAOS_SEED to replay a run; the seed is printed.
"""

import hashlib
import os
import random
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import pytest
import requests
import sqlalchemy as sa

from tests.collect_client import CollectClient, CollectError
from tests.conftest import TEST_DATABASE_ENV
from tests.factories import XLSX, xlsx_from_markdown
from tests.live import (
    MINHCHUNG,
    LiveServer,
    drop_postgres_database,
    free_port,
    fresh_postgres_database,
    wait_until_healthy,
)

pytestmark = pytest.mark.slow

SUBMISSIONS = int(os.environ.get("CHAOS_SUBMISSIONS", 120))
KILLS = 4
CLIENTS = 3
ACCEPT_LENGTH = 300_000  # body limit; small, so that two-photo submissions are split into two POSTs
IMPATIENT_EVERY = 10  # every 10th submission's first attempt stops waiting 5 ms after sending,
                      # as if the network dropped
MAX_ATTEMPTS = 25  # per submission; a bound, not an expectation
DEADLINE_SECONDS = 150
ADMIN_EMAIL, ADMIN_PASSWORD = "chaos-admin@example.org", "chaos monkey password"
FORM = """
| survey   |             |          |                     |                 |
|          | type        | name     | label               | parameters      |
|          | text        | chu_ho   | Họ tên chủ hộ       |                 |
|          | integer     | so_nguoi | Số thành viên       |                 |
|          | image       | anh      | Ảnh minh chứng      | max-pixels=1024 |
|          | image       | anh_phu  | Ảnh thêm            | max-pixels=1024 |
|          | geopoint    | vi_tri   | Vị trí              |                 |
| settings |             |          |                     |                 |
|          | form_id     | version  | form_title          |                 |
|          | chaos_ho    | 2024.1   | Hộ gia đình (chaos) |                 |
"""
XF = "{http://www.w3.org/2002/xforms}"
H = "{http://www.w3.org/1999/xhtml}"


class RestartableServer:
    """`minhchung serve` on a fixed port; kill() is SIGKILL to the process group, start() boots it again."""

    def __init__(self, data_dir, database_url):
        self.port = free_port()
        self.data_dir = Path(data_dir)
        self.env = {**os.environ, "MINHCHUNG_DATA_DIR": str(data_dir), "DATABASE_URL": database_url,
                    "MINHCHUNG_MAX_BODY_BYTES": str(ACCEPT_LENGTH), "MINHCHUNG_ODK_VALIDATE": "0"}
        self.log = self.data_dir / "server.log"
        self.live = None
        self.up = threading.Event()
        self.starts = 0

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        with self.log.open("ab") as log:
            log.write(f"\n===== start {self.starts + 1} =====\n".encode())
            process = subprocess.Popen([MINHCHUNG, "serve", "--port", str(self.port), "--workers", "2",
                                        "--threads", "4"],
                                       env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.live = LiveServer(self.url, self.data_dir, process, self.log)
        wait_until_healthy(self.live, seconds=60)
        self.starts += 1
        self.up.set()

    def kill(self):
        self.up.clear()
        os.killpg(self.live.process.pid, signal.SIGKILL)
        self.live.process.wait(timeout=30)

    def stop(self):
        self.up.clear()
        if self.live is not None and self.live.process.poll() is None:
            os.killpg(self.live.process.pid, signal.SIGTERM)
            try:
                self.live.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.live.process.pid, signal.SIGKILL)
                self.live.process.wait()


@dataclass
class Item:
    number: int
    instance_id: str
    xml: bytes
    files: dict
    posts: int = 0  # POSTs sent for it, in all attempts
    attempts: int = 0
    acked: bool = False
    last_failure: object = None


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    acked: int = 0
    resends: int = 0
    stored_before_resend: set = field(default_factory=set)
    gave_up: int = 0
    network_failures: int = 0
    server_errors: list = field(default_factory=list)  # (instanceID, status, body): 5xx answers
    kills: list = field(default_factory=list)  # acknowledged count at each kill
    abort: BaseException = None  # set by the first thread that fails, so the others stop
    progress: threading.Condition = None

    def __post_init__(self):
        self.progress = threading.Condition(self.lock)


@pytest.fixture
def database_url(tmp_path):
    base = os.environ.get(TEST_DATABASE_ENV)
    if not base:
        yield f"sqlite:///{tmp_path / 'data' / 'minhchung.sqlite3'}"
        return
    url = fresh_postgres_database(base, "chaos")
    yield url
    drop_postgres_database(url)


@pytest.fixture
def server(tmp_path, database_url):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    server = RestartableServer(data_dir, database_url)
    created = subprocess.run([MINHCHUNG, "user-create", ADMIN_EMAIL, "--admin"], capture_output=True, text=True,
                             env={**server.env, "MINHCHUNG_PASSWORD": ADMIN_PASSWORD}, timeout=120)
    assert created.returncode == 0, created.stdout + created.stderr
    server.start()
    yield server
    server.stop()


def api(server, method, path, headers, **kwargs):
    response = requests.request(method, f"{server.url}/v1{path}", headers=headers, timeout=60, **kwargs)
    assert response.status_code == 200, f"{method} {path}: {response.status_code} {response.text}"
    return response.json()


def collect_base_url(server, admin, project_id, xml_form_id):
    """(server URL, extra headers) a device uses: an app user's /v1/key/{token} URL if app users exist, else Bearer."""
    created = requests.post(f"{server.url}/v1/projects/{project_id}/app-users", json={"displayName": "Máy chaos"},
                            headers=admin, timeout=30)
    if created.status_code == 200:
        app_user = created.json()
        api(server, "POST", f"/projects/{project_id}/forms/{xml_form_id}/assignments/app-user/{app_user['id']}", admin)
        return f"{server.url}/v1/key/{app_user['token']}/projects/{project_id}", {}
    assert created.status_code in (404, 405), created.text
    return f"{server.url}/v1/projects/{project_id}", admin


def instance_root_name(form_xml):
    """The primary instance's root element, whose name Collect uses for the submission's root."""
    root = ElementTree.fromstring(form_xml)
    instance = root.find(f"{H}head/{XF}model/{XF}instance")
    return ElementTree.QName(list(instance)[0].tag).text.split("}")[-1]


def make_items(rng, root_name, form_id, version):
    items = []
    for number in range(SUBMISSIONS):
        instance_id = f"uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}"
        stamp = 1_700_000_000_000 + number * 1000
        two = number % 4 == 0  # two photos of 150–200 KB: more than the accept length together, so two POSTs
        sizes = [rng.randint(150 * 1024, 200 * 1024) for _ in range(2)] if two else [rng.randint(50 * 1024, 200 * 1024)]
        files = {f"{stamp + k}.jpg": b"\xff\xd8\xff\xe0" + rng.randbytes(size) for k, size in enumerate(sizes)}
        extra = f"{stamp + 1}.jpg" if two else ""
        latitude, longitude = 8.5 + rng.random() * 15, 102.2 + rng.random() * 7.2
        xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n'
               f'<{root_name} xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms" '
               f'id="{form_id}" version="{version}">'
               f'<chu_ho>Hộ số {number} — Nguyễn Thị Ánh</chu_ho><so_nguoi>{rng.randint(1, 9)}</so_nguoi>'
               f'<anh>{stamp}.jpg</anh><anh_phu>{extra}</anh_phu>'
               f'<vi_tri>{latitude:.6f} {longitude:.6f} {rng.uniform(0, 40):.1f} {rng.uniform(3, 15):.1f}</vi_tri>'
               f'<meta><instanceID>{instance_id}</instanceID></meta></{root_name}>').encode()
        items.append(Item(number, instance_id, xml, files))
    return items


def wait_for_server(server, tally, deadline):
    while not server.up.wait(timeout=0.2):
        if tally.abort is not None:
            raise RuntimeError("stopped: another thread failed") from tally.abort
        assert time.monotonic() < deadline, "the server did not come back in time"


def already_stored(database, instance_id):
    with database.connect() as connection:
        return connection.execute(sa.text("SELECT count(*) FROM submissions WHERE instance_id = :i"),
                                  {"i": instance_id}).scalar() > 0


def deliver(item, client, server, tally, deadline, database):
    """Send until every POST is 201/202, waiting for the server to come back after a failure."""
    while not item.acked:
        assert item.attempts < MAX_ATTEMPTS, (f"{item.instance_id} not acknowledged after {MAX_ATTEMPTS} attempts; "
                                              f"last failure: {item.last_failure}")
        wait_for_server(server, tally, deadline)
        if item.attempts and already_stored(database, item.instance_id):
            with tally.lock:
                # the server had it (or a part) but the answer was lost
                tally.stored_before_resend.add(item.instance_id)
        impatient = item.number % IMPATIENT_EVERY == 1 and item.attempts == 0
        item.attempts += 1
        client.timeout = (10, 0.005) if impatient else 60  # gives up before the answer: a lost acknowledgement
        try:
            item.posts += len(client.submit(item.xml, item.files))
        except requests.RequestException:
            failure = "gave up waiting" if impatient else "network"
        except CollectError as error:
            if error.status is None or error.status < 500:
                raise  # a refusal (409, 413, …): Collect would show it to the volunteer and not resend
            failure = (error.status, error.body)
        else:
            with tally.progress:
                item.acked = True
                tally.acked += 1
                tally.progress.notify_all()
            return
        client.reset()
        item.last_failure = failure
        with tally.lock:
            tally.resends += 1
            if failure == "network":
                tally.network_failures += 1
            elif failure == "gave up waiting":
                tally.gave_up += 1
            else:
                tally.server_errors.append((item.instance_id, *failure))
        # After giving up, resend only once the first attempt is surely over: an identical submission that
        # arrives while the first is still being filed is a different race (reported separately), not a crash.
        time.sleep(1.0 if failure == "gave up waiting" else 0.05)


def kill_at_random_moments(server, rng, tally, deadline):
    """SIGKILL the server when the acknowledged count passes random thresholds, then restart it."""
    try:
        for threshold in sorted(rng.sample(range(SUBMISSIONS // 10, SUBMISSIONS * 9 // 10), KILLS)):
            with tally.progress:
                while tally.acked < threshold and tally.abort is None and time.monotonic() < deadline:
                    tally.progress.wait(timeout=0.5)
            if tally.abort is not None or time.monotonic() >= deadline:
                return
            time.sleep(rng.uniform(0, 0.04))  # land anywhere inside the next requests
            tally.kills.append(tally.acked)
            server.kill()
            time.sleep(rng.uniform(0, 0.5))
            server.start()
    except BaseException as error:
        tally.abort = error
        raise


def run_chaos(server, base_url, headers, items, rng, database):
    tally = Tally()
    deadline = time.monotonic() + DEADLINE_SECONDS
    clients = [CollectClient(base_url, headers, device_id=f"collect:chaos{k:012d}") for k in range(CLIENTS)]
    accept_lengths = {client.head_submission() for client in clients}
    (advertised,) = accept_lengths  # the body limit less room for multipart framing
    assert ACCEPT_LENGTH * 0.85 <= advertised < ACCEPT_LENGTH
    queue, queue_lock = list(reversed(items)), threading.Lock()

    def client_loop(client):
        try:
            while tally.abort is None:
                with queue_lock:
                    if not queue:
                        return
                    item = queue.pop()
                deliver(item, client, server, tally, deadline, database)
        except BaseException as error:
            tally.abort = tally.abort or error
            raise

    killer = threading.Thread(target=kill_at_random_moments, args=(server, rng, tally, deadline), daemon=True)
    killer.start()
    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            futures = [pool.submit(client_loop, client) for client in clients]
        for future in futures:
            future.result()
    finally:
        if tally.abort is not None:
            with tally.progress:
                tally.progress.notify_all()
        killer.join(timeout=max(1.0, deadline - time.monotonic()) + 60)  # never restart behind the teardown's back
        for client in clients:
            client.close()
    assert not killer.is_alive(), "the killer thread did not finish"
    if tally.abort is not None:
        raise tally.abort
    return tally


def stored_state(database_url, project_id, xml_form_id):
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            form_id = connection.execute(sa.text("SELECT id FROM forms WHERE project_id = :p AND xml_form_id = :f"),
                                         {"p": project_id, "f": xml_form_id}).scalar_one()
            submissions = connection.execute(sa.text("SELECT instance_id FROM submissions WHERE form_id = :f"),
                                             {"f": form_id}).scalars().all()
            defs = connection.execute(sa.text("SELECT instance_id, xml, current FROM submission_defs"
                                              " WHERE form_id = :f"),
                                      {"f": form_id}).all()
            attachments = connection.execute(sa.text(
                "SELECT d.instance_id, a.name, b.sha256, b.size FROM submission_defs d "
                "JOIN submission_attachments a ON a.submission_def_id = d.id LEFT JOIN blobs b ON b.id = a.blob_id "
                "WHERE d.form_id = :f AND d.current"), {"f": form_id}).all()
            blob_rows = set(connection.execute(sa.text("SELECT sha256 FROM blobs")).scalars().all())
    finally:
        engine.dispose()
    return submissions, defs, attachments, blob_rows


def test_acknowledged_submissions_survive_sigkill_exactly_once(server, database_url):
    seed = int(os.environ.get("CHAOS_SEED") or random.SystemRandom().randrange(2 ** 32))
    rng = random.Random(seed)
    print(f"\nchaos seed {seed} (CHAOS_SEED={seed} replays the data and kill thresholds)")
    login = requests.post(f"{server.url}/v1/sessions", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
                          timeout=30)
    assert login.status_code == 200, login.text
    admin = {"Authorization": f"Bearer {login.json()['token']}"}
    project = api(server, "POST", "/projects", admin, json={"name": "Chaos"})
    form = api(server, "POST", f"/projects/{project['id']}/forms?publish=true", {**admin, "Content-Type": XLSX},
               data=xlsx_from_markdown(FORM))
    base_url, headers = collect_base_url(server, admin, project["id"], form["xmlFormId"])

    device = CollectClient(base_url, headers)  # what a phone does first: list, download (md5 checked)
    [entry] = [entry for entry in device.form_list() if entry.form_id == form["xmlFormId"]]
    form_xml = device.download_form(entry.download_url, expected_hash=entry.hash)
    device.close()
    items = make_items(rng, instance_root_name(form_xml), entry.form_id, entry.version)

    started = time.monotonic()
    database = sa.create_engine(database_url)
    try:
        tally = run_chaos(server, base_url, headers, items, rng, database)
    finally:
        database.dispose()
    elapsed = time.monotonic() - started
    split = sum(1 for item in items if len(item.files) > 1)
    print(f"{SUBMISSIONS} submissions ({split} split into two POSTs) from {CLIENTS} clients in {elapsed:.1f}s; "
          f"{len(tally.kills)} SIGKILLs (after {tally.kills} acknowledgements), {server.starts} starts; "
          f"{tally.resends} resends ({tally.network_failures} network failures, {tally.gave_up} answers not awaited, "
          f"{len(tally.server_errors)} 5xx; "
          f"{len(tally.stored_before_resend)} submissions already stored, whole or in part, when resent); "
          f"{sum(item.posts for item in items)} POSTs in acknowledged attempts; "
          f"auth: {'app user URL' if not headers else 'Bearer'}")
    assert len(tally.kills) == KILLS and server.starts == KILLS + 1
    assert all(item.acked for item in items)
    assert tally.resends >= 1, "no request was in flight at any kill: the test did not test anything"

    # Through the API, if the submissions listing exists yet.
    listed = requests.get(f"{server.url}/v1/projects/{project['id']}/forms/{form['xmlFormId']}/submissions",
                          headers=admin, timeout=60)
    if listed.status_code == 200:
        instance_ids = Counter(row["instanceId"] for row in listed.json())
        assert instance_ids == Counter(item.instance_id for item in items)
    else:
        print(f"GET …/submissions answered {listed.status_code}: checked in the database only")

    # In the database: each instance once, one current version, the XML exactly as sent.
    submissions, defs, attachments, blob_rows = stored_state(database_url, project["id"], form["xmlFormId"])
    sent = {item.instance_id: item for item in items}
    duplicates = [instance_id for instance_id, count in Counter(submissions).items() if count > 1]
    assert not duplicates, f"duplicate submissions: {duplicates}"
    assert set(submissions) == set(sent)
    assert len(defs) == len(sent) and all(current for _, _, current in defs)
    wrong_xml = [instance_id for instance_id, xml, _ in defs if xml.encode("utf-8") != sent[instance_id].xml]
    assert not wrong_xml, f"stored XML differs from what was sent: {wrong_xml[:5]}"

    # Every photo: its blob row's sha256 is that of the bytes sent, and the file on disk has those bytes.
    stored = {(instance_id, name): (sha256, size) for instance_id, name, sha256, size in attachments}
    expected = {(item.instance_id, name): (hashlib.sha256(content).hexdigest(), len(content))
                for item in items for name, content in item.files.items()}
    assert stored == expected
    blob_dir = server.data_dir / "blobs"
    for sha256, _ in expected.values():
        path = blob_dir / sha256[:2] / sha256[2:4] / sha256
        assert path.is_file(), f"missing blob file {path}"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sha256, f"blob file {path} is corrupt"

    # What crashes left behind (reported, not failed): temp files and blob files no row points to.
    incoming = list((blob_dir / "incoming").glob("*")) if (blob_dir / "incoming").exists() else []
    on_disk = {path.name for path in blob_dir.glob("??/??/*")}
    print(f"left by the kills: {len(incoming)} temp files in blobs/incoming, "
          f"{len(on_disk - blob_rows)} blob files without a row")
    assert not tally.server_errors, (f"{len(tally.server_errors)} attempts were answered 5xx while the server was up "
                                     f"(log: {server.log}); first: {tally.server_errors[0]}")
