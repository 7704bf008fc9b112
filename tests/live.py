"""Start a real `minhchung serve` process (gunicorn) for tests that must cross a real socket."""

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests
import sqlalchemy as sa
from sqlalchemy.engine import make_url

MINHCHUNG = str(Path(sys.executable).with_name("minhchung"))


@dataclass
class LiveServer:
    url: str
    data_dir: Path
    process: subprocess.Popen
    output: Path

    @property
    def admin_password(self):
        return (self.data_dir / "demo-admin-password").read_text().strip()

    def login(self):
        credentials = {"email": "admin@minhchung.local", "password": self.admin_password}
        response = requests.post(f"{self.url}/v1/sessions", json=credentials, timeout=30)
        response.raise_for_status()
        return {"Authorization": f"Bearer {response.json()['token']}"}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_postgres_database(base_url, suffix):
    """Create (or recreate) an empty database beside the test database; return its URL."""
    with_driver = base_url.replace("postgresql://", "postgresql+psycopg://", 1)
    url = make_url(with_driver if base_url.startswith("postgresql://") else base_url)
    name = f"{url.database}_{suffix}"
    engine = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(database_url):
    url = make_url(database_url)
    engine = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    engine.dispose()


def start_server(data_dir, database_url=None, extra_env=None, args=("--demo",)):
    port = free_port()
    env = {**os.environ, "MINHCHUNG_DATA_DIR": str(data_dir), **(extra_env or {})}
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    output = Path(data_dir) / "server.log"
    process = subprocess.Popen([MINHCHUNG, "serve", "--port", str(port), "--workers", "2", *args], env=env,
                               stdout=output.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
    server = LiveServer(f"http://127.0.0.1:{port}", Path(data_dir), process, output)
    wait_until_healthy(server)
    return server


def wait_until_healthy(server, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited ({server.process.returncode}):\n{server.output.read_text()}")
        try:
            if requests.get(f"{server.url}/health", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"server not healthy after {seconds}s:\n{server.output.read_text()}")


def stop_server(server):
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait()
