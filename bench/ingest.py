#!/usr/bin/env python3
"""Ingest benchmark: ODK Collect submissions per second into `minhchung serve`, as a user runs it.

Starts `minhchung serve --workers W --threads T` (gunicorn) on PostgreSQL (a fresh database
`minhchung_bench` on the local server unless --database-url is given) or on SQLite (--sqlite),
publishes a small form, and sends N submissions (~1 KB of XML: text, integer, geopoint; optionally a
distinct photo of random bytes each) at each concurrency level, with a pool of threads that each hold
one keep-alive connection and POST exactly as ODK Collect does (HEAD preflight once per client, then
multipart `xml_submission_file` + one part per file, see tests/collect_client.py).

Prints, per case: submissions/s, p50/p99 latency, peak server memory (sum of VmRSS of the gunicorn
master and workers, sampled every 100 ms) and the ratio to ODK Central measured on the same machine.
This is not a test; see bench/README.md.
"""

import argparse
import http.client
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import requests
import sqlalchemy as sa
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.collect_client import COLLECT_USER_AGENT, CollectClient, CollectError, collect_date, content_type_of  # noqa: E402
from tests.factories import XLSX, xlsx_from_markdown  # noqa: E402
from tests.live import MINHCHUNG, LiveServer, drop_postgres_database, free_port, stop_server, wait_until_healthy  # noqa: E402

# ODK Central's backend on this machine, client on the same two cores (submissions/s by concurrency).
CENTRAL = {"xml": {1: 67, 4: 111, 16: 146}, "photo": {1: 41, 4: 67, 16: 90}}
ADMIN_EMAIL, ADMIN_PASSWORD = "bench-admin@example.org", "bench password not secret"
FORM = """
| survey   |          |           |                     |                 |
|          | type     | name      | label               | parameters      |
|          | text     | chu_ho    | Họ tên chủ hộ       |                 |
|          | text     | dia_chi   | Địa chỉ             |                 |
|          | integer  | so_nguoi  | Số thành viên       |                 |
|          | integer  | so_tre_em | Số trẻ em           |                 |
|          | text     | ghi_chu   | Ghi chú             |                 |
|          | geopoint | vi_tri    | Vị trí              |                 |
|          | image    | anh       | Ảnh minh chứng      | max-pixels=1024 |
| settings |          |           |                     |                 |
|          | form_id  | version   | form_title          |                 |
|          | bench_ho | 1         | Hộ gia đình (bench) |                 |
"""
NOTE = ("Gia đình tham gia sinh hoạt câu lạc bộ đọc sách ở nhà văn hoá thôn mỗi tối thứ Bảy; "
        "hai con học lớp tiếng Anh miễn phí của trung tâm học tập cộng đồng. ")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="submissions per case (default 1000)")
    parser.add_argument("--concurrency", default="1,4,16", help="client threads per case, comma-separated")
    parser.add_argument("--cases", default="xml,photo", help="xml (no file), photo (a distinct photo each)")
    parser.add_argument("--photo-bytes", type=int, default=208 * 1024, help="photo size (default 208 KiB)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (minhchung serve default 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (minhchung serve default 4)")
    parser.add_argument("--database-url", help="PostgreSQL URL to use as is (default: a fresh minhchung_bench)")
    parser.add_argument("--pg-admin-url", default="postgresql+psycopg://postgres@localhost/postgres",
                        help="where to create and drop the fresh minhchung_bench database")
    parser.add_argument("--sqlite", action="store_true", help="use SQLite in the data directory instead")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured submissions before each case")
    parser.add_argument("--keep", action="store_true", help="keep the data directory and database")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; the median is reported (default 3)")
    parser.add_argument("--client", choices=("lean", "requests"), default="lean",
                        help="lean: http.client with the bytes Collect sends (default); "
                             "requests: tests/collect_client.py")
    parser.add_argument("--pause", type=float, default=0,
                        help="seconds to wait after the server is up and the form published (to attach a profiler)")
    return parser.parse_args()


# -- server ----------------------------------------------------------------------------------------

def fresh_database(admin_url, name="minhchung_bench"):
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


class Server:
    def __init__(self, data_dir, database_url, workers, threads):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = Path(data_dir) / "server.log"
        self.env = {**os.environ, "MINHCHUNG_DATA_DIR": str(data_dir), "DATABASE_URL": database_url,
                    "MINHCHUNG_ODK_VALIDATE": "0"}
        self.command = [MINHCHUNG, "serve", "--port", str(self.port), "--workers", str(workers),
                        "--threads", str(threads)]
        self.process = None

    def start(self):
        created = subprocess.run([MINHCHUNG, "user-create", ADMIN_EMAIL, "--admin"], capture_output=True, text=True,
                                 env={**self.env, "MINHCHUNG_PASSWORD": ADMIN_PASSWORD})
        if created.returncode != 0:
            sys.exit(f"minhchung user-create failed:\n{created.stdout}{created.stderr}")
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(self.command, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        try:
            wait_until_healthy(LiveServer(self.url, self.log.parent, self.process, self.log))
        except RuntimeError as error:
            sys.exit(str(error))

    def pids(self):
        """The gunicorn master and its workers: every process in the server's process group."""
        pids = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    if os.getpgid(int(entry)) == self.process.pid:
                        pids.append(int(entry))
                except ProcessLookupError:
                    pass
        return pids

    def cpu_ticks(self):
        """{("server"|"postgres", pid): CPU ticks (user + system)} of the server's processes and of the
        PostgreSQL backends serving its database (found by the database name in their process title)."""
        ticks = {}
        database = make_url(self.env["DATABASE_URL"]).database if "postgresql" in self.env["DATABASE_URL"] else None
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                used = int(fields[11]) + int(fields[12])  # utime, stime
                if int(fields[2]) == self.process.pid:  # process group
                    ticks["server", int(entry)] = used
                elif database:
                    with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                        title = cmdline.read().decode(errors="replace")
                    if title.startswith("postgres:") and f" {database} " in title:
                        ticks["postgres", int(entry)] = used
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                pass
        return ticks

    @staticmethod
    def cpu_used(before, after):
        """CPU seconds (server, postgres) between two cpu_ticks() snapshots; a process that exited in between
        (e.g. a pooled connection closed) is lost, so this can only underestimate."""
        used = {"server": 0, "postgres": 0}
        for (kind, pid), ticks in after.items():
            used[kind] += ticks - before.get((kind, pid), 0)
        hertz = os.sysconf("SC_CLK_TCK")
        return used["server"] / hertz, used["postgres"] / hertz

    def rss_bytes(self):
        total = 0
        for pid in self.pids():
            try:
                with open(f"/proc/{pid}/status") as status:
                    for line in status:
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1]) * 1024
                            break
            except FileNotFoundError:
                pass
        return total

    def stop(self):
        if self.process is not None:
            stop_server(self)


class MemorySampler:
    """Peak of the server's summed RSS, sampled every 100 ms while running."""

    def __init__(self, server):
        self.server, self.peak, self.stop_event = server, 0, threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop_event.is_set():
            self.peak = max(self.peak, self.server.rss_bytes())
            self.stop_event.wait(0.1)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        self.thread.join()


# -- the form and the device -------------------------------------------------------------------------

def prepare(server):
    """Log in, create a project, publish the form; return (Collect server URL, extra headers, form_id, version)."""
    token = requests.post(f"{server.url}/v1/sessions", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
                          timeout=30).json()["token"]
    admin = {"Authorization": f"Bearer {token}"}
    project = requests.post(f"{server.url}/v1/projects", json={"name": "Bench"}, headers=admin, timeout=30).json()
    published = requests.post(f"{server.url}/v1/projects/{project['id']}/forms?publish=true",
                              data=xlsx_from_markdown(FORM), headers={**admin, "Content-Type": XLSX}, timeout=120)
    if published.status_code != 200:
        sys.exit(f"publishing the form failed: {published.status_code} {published.text}")
    form = published.json()
    app_user = requests.post(f"{server.url}/v1/projects/{project['id']}/app-users", json={"displayName": "Bench"},
                             headers=admin, timeout=30)
    if app_user.status_code == 200:
        assigned = requests.post(f"{server.url}/v1/projects/{project['id']}/forms/{form['xmlFormId']}"
                                 f"/assignments/app-user/{app_user.json()['id']}", headers=admin, timeout=30)
        assigned.raise_for_status()
        token = app_user.json()["token"]
        base, headers, auth = f"{server.url}/v1/key/{token}/projects/{project['id']}", {}, "app user URL"
    else:
        base, headers, auth = f"{server.url}/v1/projects/{project['id']}", admin, "Bearer (no app users yet)"
    device = CollectClient(base, headers)
    [entry] = [entry for entry in device.form_list() if entry.form_id == form["xmlFormId"]]
    device.download_form(entry.download_url, expected_hash=entry.hash)
    device.close()
    return base, headers, entry.form_id, entry.version, auth


def submission(form_id, version, number, photo_bytes):
    """(~1 KB of XML, files) for one submission; the photo (if any) is fresh random bytes."""
    instance_id = f"uuid:{uuid.uuid4()}"
    photo = f"{1_700_000_000_000 + number}.jpg" if photo_bytes else ""
    xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n'
           f'<data xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms" '
           f'id="{form_id}" version="{version}">'
           f'<chu_ho>Nguyễn Thị Ánh Tuyết {number}</chu_ho>'
           '<dia_chi>Thôn Đông, xã Tân Lập, huyện Đan Phượng, Hà Nội</dia_chi>'
           f'<so_nguoi>5</so_nguoi><so_tre_em>2</so_tre_em><ghi_chu>{NOTE * 2}</ghi_chu>'
           f'<vi_tri>21.0{number % 10000:04d} 105.8{number % 7919:04d} 12.5 4.9</vi_tri><anh>{photo}</anh>'
           f'<meta><instanceID>{instance_id}</instanceID><instanceName>Hộ {number}</instanceName></meta>'
           '</data>').encode()
    files = {photo: b"\xff\xd8\xff\xe0" + os.urandom(photo_bytes - 4)} if photo_bytes else {}
    return xml, files


class LeanDevice:
    """One device on one keep-alive connection, sending what ODK Collect sends for a submission that fits
    in one POST (HEAD preflight once, then multipart xml_submission_file + one part per file, Collect's
    headers) with http.client, so the client spends ~0.4 ms of CPU per submission instead of requests' ~2 ms:
    client and server share the machine's two cores, and the figure we want is the server's."""

    def __init__(self, base_url, headers, device_id, timeout=120):
        url = urlsplit(base_url)
        self.host, self.port, self.timeout = url.hostname, url.port, timeout
        self.path = f"{url.path.rstrip('/')}/submission?{urlencode({'deviceID': device_id})}"
        self.extra_headers, self.connection = dict(headers or {}), None

    def headers(self):
        return {"X-OpenRosa-Version": "1.0", "User-Agent": COLLECT_USER_AGENT, "Date": collect_date(),
                **self.extra_headers}

    def request(self, method, body=None, headers=None):
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        self.connection.request(method, self.path, body=body, headers={**self.headers(), **(headers or {})})
        response = self.connection.getresponse()
        return response.status, response.read()

    def head_submission(self):
        status, body = self.request("HEAD")
        if status != 204:
            raise CollectError("HEAD on the submission URL is not 204", status, body.decode(errors="replace"))

    def submit(self, xml, files):
        boundary = uuid.uuid4().hex  # a fresh boundary per request, as okhttp does
        parts = [("xml_submission_file", "instance.xml", "text/xml", xml)]
        parts += [(name, name, content_type_of(name), content) for name, content in files.items()]
        body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                        f"Content-Type: {content_type}\r\n\r\n".encode() + content + b"\r\n"
                        for name, filename, content_type, content in parts) + f"--{boundary}--\r\n".encode()
        status, answer = self.request("POST", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        if status not in (201, 202):
            raise CollectError("submission refused", status, answer.decode(errors="replace"))

    def reset(self):
        self.close()

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def run_case(server, base, headers, form_id, version, n, concurrency, photo_bytes, warmup, first_number, client_kind):
    payloads = [submission(form_id, version, first_number + k, photo_bytes) for k in range(warmup + n)]
    device_class = LeanDevice if client_kind == "lean" else CollectClient
    clients = [device_class(base, headers, device_id=f"collect:bench{k:010d}", timeout=120) for k in range(concurrency)]
    for client in clients:
        client.head_submission()  # the preflight, once per device
    for client, (xml, files) in zip(clients * warmup, payloads[:warmup]):
        client.submit(xml, files)
    measured = payloads[warmup:]
    latencies, errors, next_index, lock = [], [], [0], threading.Lock()

    def device(client):
        while True:
            with lock:
                index = next_index[0]
                next_index[0] += 1
            if index >= n:
                return
            xml, files = measured[index]
            started = time.perf_counter()
            try:
                client.submit(xml, files)
            except (CollectError, requests.RequestException, OSError, http.client.HTTPException) as error:
                errors.append(error)
                client.reset()
                continue
            latencies.append(time.perf_counter() - started)

    cpu_before, ticks_before = os.times(), server.cpu_ticks()
    with MemorySampler(server) as memory, ThreadPoolExecutor(concurrency) as pool:
        started = time.perf_counter()
        for future in [pool.submit(device, client) for client in clients]:
            future.result()
        elapsed = time.perf_counter() - started
    cpu_after, (server_cpu, postgres_cpu) = os.times(), server.cpu_used(ticks_before, server.cpu_ticks())
    for client in clients:
        client.close()
    latencies.sort()
    return {"ok": len(latencies), "errors": errors, "elapsed": elapsed, "rate": len(latencies) / elapsed,
            "p50": percentile(latencies, 50) * 1000, "p99": percentile(latencies, 99) * 1000,
            "peak_rss": memory.peak, "load": os.getloadavg()[0],
            "client_cpu": (cpu_after.user + cpu_after.system) - (cpu_before.user + cpu_before.system),
            "server_cpu_ms": server_cpu * 1000 / max(1, len(latencies)),
            "postgres_cpu_ms": postgres_cpu * 1000 / max(1, len(latencies))}


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    rank = max(1, round(p / 100 * len(sorted_values)))  # nearest rank
    return sorted_values[min(rank, len(sorted_values)) - 1]


def main():
    args = parse_args()
    concurrencies = [int(value) for value in args.concurrency.split(",")]
    cases = [case.strip() for case in args.cases.split(",")]
    data_dir = Path(tempfile.mkdtemp(prefix="minhchung-bench-"))
    created_database = None
    if args.sqlite:
        database_url = f"sqlite:///{data_dir / 'minhchung.sqlite3'}"
    elif args.database_url:
        database_url = args.database_url
    else:
        database_url = created_database = fresh_database(args.pg_admin_url)
    server = Server(data_dir, database_url, args.workers, args.threads)
    rows = []
    try:
        server.start()
        base, headers, form_id, version, auth = prepare(server)
        print(f"server: {' '.join(Path(part).name if part == MINHCHUNG else part for part in server.command)}")
        print(f"database: {make_url(database_url).render_as_string(hide_password=True)}; data: {data_dir}; "
              f"auth: {auth}; client: {args.client}; cores: {os.cpu_count()}; "
              f"n = {args.n} per case (+{args.warmup} warm-up)")
        print(f"server pids (master first): {sorted(server.pids(), key=lambda pid: pid != server.process.pid)}")
        if args.pause:
            print(f"pausing {args.pause:.0f}s …", flush=True)
            time.sleep(args.pause)
        number = 0
        for case in cases:
            photo_bytes = args.photo_bytes if case == "photo" else 0
            for concurrency in concurrencies:
                runs = []
                for _ in range(args.repeat):
                    runs.append(run_case(server, base, headers, form_id, version, args.n, concurrency, photo_bytes,
                                         args.warmup, number, args.client))
                    number += args.n + args.warmup
                    print_run(case, concurrency, runs[-1])
                result = median_run(runs)
                central = CENTRAL.get(case, {}).get(concurrency)
                rows.append((case, concurrency, result, central))
    finally:
        server.stop()
        if created_database and not args.keep:
            drop_postgres_database(created_database)
        if not args.keep:
            subprocess.run(["rm", "-rf", str(data_dir)])
    print_table(rows, args)


def print_run(case, concurrency, result):
    print(f"  {case:5} c={concurrency:<3} {result['rate']:7.1f} subs/s  p50 {result['p50']:7.1f} ms  "
          f"p99 {result['p99']:7.1f} ms  peak RSS {result['peak_rss'] / 2**20:6.0f} MiB  "
          f"errors {len(result['errors'])}  server CPU {result['server_cpu_ms']:.1f} ms/sub  "
          f"PG CPU {result['postgres_cpu_ms']:.1f} ms/sub  load {result['load']:.1f}", flush=True)
    for error in result["errors"][:3]:
        print(f"    error: {' '.join(str(error).split())[:300]}")


def median_run(runs):
    """The run with the median rate (of an odd number of runs), with the range of rates across runs: gunicorn
    spreads keep-alive connections over its workers unevenly, so single runs at low concurrency vary."""
    ordered = sorted(runs, key=lambda run: run["rate"])
    return {**ordered[len(ordered) // 2], "range": (ordered[0]["rate"], ordered[-1]["rate"]), "runs": len(runs)}


def print_table(rows, args):
    label = f"{args.photo_bytes // 1024} KiB photo" if "photo" in args.cases else ""
    print()
    print(f"Median of {args.repeat} run(s) per row (subs/s range in brackets).")
    print("| case | clients | subs/s | p50 ms | p99 ms | peak server RSS MiB | errors | server CPU ms/sub "
          "| PG CPU ms/sub | client CPU s | load avg | Central subs/s | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for case, concurrency, result, central in rows:
        name = "~1 KB XML" if case == "xml" else f"XML + {label}"
        ratio = f"{result['rate'] / central:.2f}×" if central else "–"
        low, high = result["range"]
        spread = f" [{low:.0f}–{high:.0f}]" if result["runs"] > 1 else ""
        print(f"| {name} | {concurrency} | {result['rate']:.1f}{spread} | {result['p50']:.1f} | {result['p99']:.1f} "
              f"| {result['peak_rss'] / 2**20:.0f} | {len(result['errors'])} | {result['server_cpu_ms']:.1f} "
              f"| {result['postgres_cpu_ms']:.1f} | {result['client_cpu']:.1f} "
              f"| {result['load']:.1f} | {central or '–'} | {ratio} |")


if __name__ == "__main__":
    main()
