"""Fixtures that run a real `cirrus serve` for the interop tests.

Every test that uses `server`, `cognito` or `fresh_store` runs once per backend: `sqlite` (the
embedded store in a temporary --data-dir) and `postgres` (a fresh database made on
CIRRUS_TEST_DATABASE_URL, dropped afterwards; skipped when that variable is unset).

Servers are stopped with SIGTERM at teardown and must exit 0 (graceful shutdown).
"""

from __future__ import annotations

import base64
import http.server
import os
import secrets
import select
import signal
import subprocess
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

REPO = Path(__file__).resolve().parent.parent
READY_PREFIX = "cirrus listening on "
START_TIMEOUT = 60.0
PG_SKIP_REASON = "PostgreSQL pass skipped: CIRRUS_TEST_DATABASE_URL not set"


def cirrus_bin() -> str:
    path = os.environ.get("CIRRUS_BIN") or str(REPO / "target" / "debug" / "cirrus")
    if not os.access(path, os.X_OK):
        pytest.exit(f"cirrus binary not found at {path}: build it (cargo build -p cirrus) or set CIRRUS_BIN", 2)
    return path


def server_env(extra: dict | None = None) -> dict:
    """The environment of a server: ours without any CIRRUS_* setting that could change it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIRRUS_")}
    env["CIRRUS_LOG"] = os.environ.get("CIRRUS_TEST_SERVER_LOG", "info")
    env.update(extra or {})
    return env


# --------------------------------------------------------------------------------------------
# Stores
# --------------------------------------------------------------------------------------------


class Store:
    """Where one deployment keeps its state: a data dir (SQLite) or a PostgreSQL database."""

    def __init__(self, backend: str, data_dir: Path, database_url: str | None, master_key_file: Path | None):
        self.backend = backend
        self.data_dir = data_dir
        self.database_url = database_url
        self.master_key_file = master_key_file

    def args(self) -> list[str]:
        args = ["--data-dir", str(self.data_dir)]
        if self.database_url:
            args += ["--database-url", self.database_url]
        if self.master_key_file:
            args += ["--master-key-file", str(self.master_key_file)]
        return args


class StoreFactory:
    def __init__(self, backend: str, root: Path):
        self.backend = backend
        self.root = root
        self.databases: list[str] = []
        self.base_url = os.environ.get("CIRRUS_TEST_DATABASE_URL")

    def _admin(self):
        import psycopg

        return psycopg.connect(self.base_url, autocommit=True, connect_timeout=10)

    def new(self) -> Store:
        data_dir = Path(tempfile.mkdtemp(prefix="store-", dir=self.root))
        if self.backend == "sqlite":
            return Store("sqlite", data_dir, None, None)
        name = f"cirrus_it_{secrets.token_hex(6)}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.databases.append(name)
        parts = urllib.parse.urlsplit(self.base_url)
        url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))
        key = data_dir / "master.key"
        key.write_text(base64.b64encode(secrets.token_bytes(32)).decode() + "\n")
        return Store("postgres", data_dir, url, key)

    def drop(self, store: Store) -> None:
        if store.backend != "postgres":
            return
        name = urllib.parse.urlsplit(store.database_url).path.lstrip("/")
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.databases:
            self.databases.remove(name)

    def close(self) -> None:
        if self.databases:
            with self._admin() as conn:
                for name in list(self.databases):
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self.databases.clear()


# --------------------------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------------------------


class ServerStartError(Exception):
    pass


class Server:
    """One `cirrus serve` process."""

    def __init__(self, store: Store, extra_args=(), listen: str = "127.0.0.1:0", env: dict | None = None):
        self.store = store
        self.extra_args = list(extra_args)
        self.listen = listen
        self.env = env
        self.proc: subprocess.Popen | None = None
        self.url: str | None = None
        self.stderr_path = Path(tempfile.mkstemp(prefix="cirrus-stderr-", suffix=".log", dir=store.data_dir)[1])
        self.returncode: int | None = None
        self.wait_healthy = True
        self.health_url: str | None = None  # when the public URL is not where the server listens

    @property
    def argv(self) -> list[str]:
        return [cirrus_bin(), "serve", "--listen", self.listen, *self.store.args(), *self.extra_args]

    def start(self) -> "Server":
        self.returncode = None
        stderr = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(
            self.argv,
            stdout=subprocess.PIPE,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            env=server_env(self.env),
        )
        stderr.close()
        deadline = time.monotonic() + START_TIMEOUT
        line = b""
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerStartError(
                    f"cirrus serve exited with {self.proc.returncode} before it was ready:\n{self.stderr()}"
                )
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                if not chunk:
                    continue
                line += chunk
                if b"\n" in line:
                    first = line.split(b"\n", 1)[0].decode()
                    if not first.startswith(READY_PREFIX):
                        self.kill()
                        raise ServerStartError(f"unexpected first line on stdout: {first!r}\n{self.stderr()}")
                    self.url = first[len(READY_PREFIX):].strip()
                    if self.wait_healthy:
                        self._wait_healthy(deadline)
                    return self
        self.kill()
        raise ServerStartError(f"cirrus serve was not ready within {START_TIMEOUT}s:\n{self.stderr()}")

    def _wait_healthy(self, deadline: float) -> None:
        """One answered /healthz after the ready line. The ready line alone is not enough for a
        clean SIGTERM right away (see test_serve_flags.test_sigterm_right_after_the_ready_line)."""
        import urllib.request

        base = self.url
        if self.health_url:
            base = self.health_url
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.02)
        raise ServerStartError(f"cirrus serve printed its ready line but /healthz never answered:\n{self.stderr()}")

    def stderr(self) -> str:
        try:
            return self.stderr_path.read_text(errors="replace")
        except OSError:
            return ""

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM, wait, and return the exit code."""
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"cirrus serve did not stop within {timeout}s of SIGTERM:\n{self.stderr()}")
        self.returncode = self.proc.returncode
        self.proc.stdout.close()
        self.proc = None
        return self.returncode

    def kill(self) -> None:
        """SIGKILL, no chance to clean up."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        if self.proc is not None:
            self.returncode = self.proc.returncode
            self.proc.stdout.close()
            self.proc = None

    def client(self, service_config: Config | None = None, **kw):
        return make_client(self.url, config=service_config, **kw)


def make_client(url: str, config: Config | None = None, access_key: str = "x", secret_key: str = "y"):
    return boto3.client(
        "cognito-idp",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=config
        or Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=60),
    )


def run_serve_expect_exit(args: list[str], timeout: float = 30.0, env: dict | None = None):
    """Runs `cirrus serve ARGS` that must exit by itself; returns (returncode, stdout, stderr)."""
    p = subprocess.run(
        [cirrus_bin(), "serve", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=server_env(env),
        stdin=subprocess.DEVNULL,
    )
    return p.returncode, p.stdout, p.stderr


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def backend(request) -> str:
    if request.param == "postgres" and not os.environ.get("CIRRUS_TEST_DATABASE_URL"):
        pytest.skip(PG_SKIP_REASON)
    return request.param


@pytest.fixture(scope="session")
def store_factory(backend, tmp_path_factory):
    factory = StoreFactory(backend, tmp_path_factory.mktemp(f"stores-{backend}"))
    yield factory
    factory.close()


@pytest.fixture(scope="session")
def server(store_factory):
    """The shared server of one backend; tests isolate themselves by creating their own pools."""
    store = store_factory.new()
    srv = Server(store).start()
    yield srv
    rc = srv.stop()
    assert rc == 0, f"cirrus serve exited with {rc} after SIGTERM:\n{srv.stderr()}"


@pytest.fixture(scope="session")
def cognito(server):
    return make_client(server.url)


@pytest.fixture
def fresh_store(store_factory):
    """A store of the current backend that no other test uses."""
    stores = []

    def new() -> Store:
        s = store_factory.new()
        stores.append(s)
        return s

    yield new
    for s in stores:
        store_factory.drop(s)


@pytest.fixture
def launch():
    """Starts extra servers for one test; each must exit 0 on SIGTERM at teardown."""
    servers: list[Server] = []

    def start(store: Store, *extra_args, listen: str = "127.0.0.1:0", env: dict | None = None,
              health_url: str | None = None) -> Server:
        srv = Server(store, extra_args, listen=listen, env=env)
        srv.health_url = health_url
        servers.append(srv)
        return srv.start()

    yield start
    failures = []
    for srv in servers:
        if srv.proc is not None:
            rc = srv.stop()
            if rc != 0:
                failures.append(f"{srv.argv}: exit {rc}\n{srv.stderr()}")
    assert not failures, "servers did not shut down cleanly:\n" + "\n".join(failures)


@pytest.fixture
def pool(cognito):
    """A new pool with default settings; returns its id."""
    return cognito.create_user_pool(PoolName=f"pool-{secrets.token_hex(4)}")["UserPool"]["Id"]


# --------------------------------------------------------------------------------------------
# An IdP metadata site (for MetadataURL)
# --------------------------------------------------------------------------------------------


class _MetadataHandler(http.server.BaseHTTPRequestHandler):
    documents: dict = {}

    def do_GET(self):  # noqa: N802
        body = self.documents.get(self.path)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/samlmetadata+xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def metadata_site():
    """A local HTTP site serving IdP metadata: yields its base URL and a dict of path -> document
    that a test may change at any time (an IdP publishing new metadata)."""
    documents = {}
    handler = type("H", (_MetadataHandler,), {"documents": documents})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", documents
    httpd.shutdown()
    httpd.server_close()
