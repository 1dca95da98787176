"""Helpers for the nginx tests: the project's own nginx configuration rendered for loopback
ports and run by the real nginx, the real API under uvicorn, a stand-in for the Next.js
frontend, a stand-in for the container engine's DNS, the resolver script the nginx container
runs at start, and a Content-Security-Policy checker.

The rendering changes only what must differ outside Docker: the upstream addresses
(`backend:8000`, `frontend:3000`, which server-common.conf sets in variables and nginx resolves
when a request comes) become loopback ports, at 127.0.0.1 (an address needs no resolver) or
under their names for the tests of the resolver; the listen ports become free ones, and the
paths the containers mount (/etc/nginx/snippets, /etc/nginx/ssl, /var/log/nginx,
/var/www/certbot) a temporary directory. The result is conf.d/default.conf there, included with
the rest of conf.d (as nginx:alpine includes /etc/nginx/conf.d/*.conf, the resolver.conf the
entrypoint script writes among them) by a copy of that image's top-level nginx.conf whose pid,
logs and temporary files also live in the temporary directory, so nginx runs as root without
touching /var.

Not a conftest: a second `conftest.py` would clash with `tests/conftest.py` under mypy.
"""

import json
import os
import re
import shutil
import signal
import socket
import socketserver
import ssl
import subprocess
import sys
import threading
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import partial
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import httpx
from helpers import free_port, retrying
from sqlalchemy.engine import URL

from app.core.config import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
SNIPPETS_DIR = REPO_ROOT / "nginx" / "snippets"
# Run by nginx:alpine's entrypoint before nginx starts (both Compose files mount it).
RESOLVER_SCRIPT = REPO_ROOT / "nginx" / "docker-entrypoint.d" / "15-resolver.sh"
CONFIGS = {
    "dev": REPO_ROOT / "nginx.conf",
    "production": REPO_ROOT / "nginx" / "nginx.production.conf",
}
Variant = Literal["dev", "production"]

# The addresses test clients call from: not nginx's own 127.0.0.1, so what the upstreams are
# told about the client can only have come from nginx's forwarded headers.
CLIENT_IP = "127.0.0.2"

ADMIN_USERNAME = "nginxAdmin"
ADMIN_PASSWORD = "nginx-admin-password"

HSTS = "max-age=63072000; includeSubDomains"
IMMUTABLE = "public, max-age=31536000, immutable"
# The headers nginx adds to every response, each exactly once (HSTS only over HTTPS).
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
GENERATED_REQUEST_ID = re.compile(r"[0-9a-f]{32}")

STARTUP_LIMIT_SECONDS = 60


def require_tool(name: str) -> str:
    """The path of a program the tests run; a missing one fails the test, never skips it."""
    path = shutil.which(name)
    assert path is not None, f"`{name}` is not installed: run `make system-deps` as root"
    return path


def wait_until(
    check: Callable[[], None], *, limit: float = STARTUP_LIMIT_SECONDS, interval: float = 0.1
) -> None:
    """Calls `check` until it passes (no AssertionError, OSError or transport error)."""
    for attempt in retrying(
        limit, interval=interval, on=(AssertionError, OSError, httpx.TransportError)
    ):
        with attempt:
            check()


def stop_process(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Stops one process we started, by its own PID, and reaps it."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def tail(path: Path, lines: int = 30) -> str:
    if not path.exists():
        return f"({path} does not exist)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


# --- nginx ---------------------------------------------------------------------------------------

# nginx:alpine's /etc/nginx/nginx.conf, with its paths moved into the work directory. Keeping
# its http-level directives (mime types, the `main` log format, sendfile, keepalive_timeout)
# makes nginx reject a project file that sets one of them again, as the image would.
TOP_LEVEL_CONFIG = """\
{user}worker_processes 1;
error_log {work}/logs/error.log notice;
pid {work}/nginx.pid;

events {{
    worker_connections 1024;
}}

http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;

    log_format main '$remote_addr - $remote_user [$time_local] "$request" '
                    '$status $body_bytes_sent "$http_referer" '
                    '"$http_user_agent" "$http_x_forwarded_for"';
    access_log {work}/logs/access.log main;

    sendfile on;
    keepalive_timeout 65;

    client_body_temp_path {work}/temp/client_body;
    proxy_temp_path {work}/temp/proxy;
    fastcgi_temp_path {work}/temp/fastcgi;
    uwsgi_temp_path {work}/temp/uwsgi;
    scgi_temp_path {work}/temp/scgi;

    include {work}/conf.d/*.conf;
}}
"""

LISTEN = re.compile(r"\blisten\s+(\d+)\b")


def render(
    variant: Variant,
    work: Path,
    *,
    backend_port: int,
    frontend_port: int,
    listen: dict[int, int],
    backend_host: str = "127.0.0.1",
    frontend_host: str = "127.0.0.1",
) -> Path:
    """Writes the variant's config and the snippets into `work`; returns the top-level file.

    `listen` maps each port the config listens on (80, 443) to the loopback port to use. The
    upstreams are `backend_host:backend_port` and `frontend_host:frontend_port`: addresses by
    default; names (`backend`, `frontend`) need a resolver in conf.d, as in the container.
    """
    for directory in ("conf.d", "snippets", "logs", "temp", "ssl", "certbot"):
        (work / directory).mkdir(parents=True, exist_ok=True)
    replacements = {
        "backend:8000": f"{backend_host}:{backend_port}",
        "frontend:3000": f"{frontend_host}:{frontend_port}",
        "/etc/nginx/snippets/": f"{work}/snippets/",
        "/etc/nginx/ssl/": f"{work}/ssl/",
        "/var/log/nginx/": f"{work}/logs/",
        "/var/www/certbot": f"{work}/certbot",
    }
    used: set[str] = set()
    listened: set[int] = set()

    def move_listen(match: re.Match[str]) -> str:
        port = int(match.group(1))
        assert port in listen, f"the config listens on {port}, which the test did not expect"
        listened.add(port)
        return f"listen 127.0.0.1:{listen[port]}"

    def rendered(source: Path) -> str:
        text = source.read_text()
        for old, new in replacements.items():
            if old in text:
                used.add(old)
                text = text.replace(old, new)
        text = LISTEN.sub(move_listen, text)
        # Nothing may point outside the work directory any more (comments aside).
        directives = re.sub(r"#.*", "", text)
        leftovers = re.findall(r"(?:/etc/nginx|/var/|/run/)\S*", directives)
        assert not leftovers, f"{source.name} still refers to {leftovers}"
        return text

    for snippet in sorted(SNIPPETS_DIR.glob("*.conf")):
        (work / "snippets" / snippet.name).write_text(rendered(snippet))
    (work / "conf.d" / "default.conf").write_text(rendered(CONFIGS[variant]))
    assert {"backend:8000", "frontend:3000"} <= used, "the upstreams are not backend/frontend"
    assert listened == set(listen), f"the config listens on {sorted(listened)}"

    # As root, nginx's workers would run as `nobody`, who cannot enter pytest's private
    # temporary directories to buffer a large response; in the container they own them.
    user = "user root;\n" if os.geteuid() == 0 else ""
    top = work / "nginx.conf"
    top.write_text(TOP_LEVEL_CONFIG.format(user=user, work=work))
    return top


def nginx_command(top: Path, *arguments: str) -> list[str]:
    """nginx with its start-up error log and prefix in the work directory, never under /var."""
    work = top.parent
    return [
        require_tool("nginx"),
        "-e",
        str(work / "logs" / "error.log"),
        "-p",
        f"{work}/",
        "-c",
        str(top),
        *arguments,
    ]


def check_config(top: Path) -> str:
    """`nginx -t` on the rendered config, which must pass; returns what nginx said."""
    result = subprocess.run(
        nginx_command(top, "-t"), capture_output=True, text=True, timeout=60, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"nginx -t failed:\n{output}"
    assert "test is successful" in output, output
    return output


def port_accepts(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        pass


@contextmanager
def running_nginx(top: Path, ports: Sequence[int]) -> Iterator[None]:
    """nginx in the foreground on the rendered config, until the block ends."""
    check_config(top)
    work = top.parent
    with (work / "logs" / "nginx.out").open("wb") as output:
        process = subprocess.Popen(
            nginx_command(top, "-g", "daemon off;"), stdout=output, stderr=subprocess.STDOUT
        )
    try:

        def serving() -> None:
            assert process.poll() is None, f"nginx exited:\n{tail(work / 'logs' / 'error.log')}"
            for port in ports:
                port_accepts(port)

        wait_until(serving)
        yield
    finally:
        stop_process(process)


def self_signed_certificate(ssl_dir: Path) -> Path:
    """fullchain.pem and privkey.pem for localhost and 127.0.0.1; returns the certificate."""
    certificate = ssl_dir / "fullchain.pem"
    subprocess.run(
        [
            require_tool("openssl"),
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(ssl_dir / "privkey.pem"),
            "-out",
            str(certificate),
        ],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return certificate


@dataclass(frozen=True)
class Proxy:
    """A running nginx: the variant, where it listens, and how to call it."""

    variant: Variant
    work: Path
    http_port: int
    https_port: int | None = None
    certificate: Path | None = None

    @property
    def scheme(self) -> str:
        return "https" if self.https_port is not None else "http"

    @property
    def port(self) -> int:
        """The port the site is served on: HTTPS in production, HTTP in development."""
        return self.https_port if self.https_port is not None else self.http_port

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def tls_context(self) -> ssl.SSLContext:
        assert self.certificate is not None, "the development variant has no TLS"
        return ssl.create_default_context(cafile=str(self.certificate))

    def client(self, source: str = CLIENT_IP) -> httpx.AsyncClient:
        """A client calling the site from `source` (any 127.x address), trusting its certificate."""
        verify: ssl.SSLContext | bool = self.tls_context() if self.certificate else True
        transport = httpx.AsyncHTTPTransport(local_address=source, verify=verify)
        return httpx.AsyncClient(base_url=self.base_url, transport=transport, timeout=30)


@contextmanager
def running_proxy(
    variant: Variant,
    work: Path,
    *,
    backend_port: int,
    frontend_port: int,
    http_port: int | None = None,
) -> Iterator[Proxy]:
    """The project's nginx config for `variant`, served by nginx on free loopback ports (HTTP
    on `http_port` if given: a site whose address the API must know before it starts)."""
    http_port = http_port or free_port()
    if variant == "production":
        https_port = free_port()
        render(
            variant,
            work,
            backend_port=backend_port,
            frontend_port=frontend_port,
            listen={80: http_port, 443: https_port},
        )
        certificate = self_signed_certificate(work / "ssl")
        proxy = Proxy(variant, work, http_port, https_port, certificate)
    else:
        render(
            variant,
            work,
            backend_port=backend_port,
            frontend_port=frontend_port,
            listen={80: http_port},
        )
        proxy = Proxy(variant, work, http_port)
    ports = [http_port] if proxy.https_port is None else [http_port, proxy.https_port]
    with running_nginx(work / "nginx.conf", ports):
        yield proxy


# --- The API -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Api:
    """The API under uvicorn, and its log: one JSON object a line."""

    port: int
    log_path: Path

    def log(self) -> list[dict[str, Any]]:
        entries = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                entries.append(json.loads(line))
        return entries

    def requests(self) -> list[dict[str, Any]]:
        """The access log: one entry per request the API answered."""
        return [entry for entry in self.log() if entry.get("event") == "request"]

    def request(self, request_id: str) -> dict[str, Any]:
        """The access-log entry of the request with this ID, once it is written."""
        found: list[dict[str, Any]] = []

        def logged() -> None:
            found[:] = [entry for entry in self.requests() if entry["request_id"] == request_id]
            assert found, f"the API logged no request {request_id}"

        wait_until(logged, limit=10)
        assert len(found) == 1, found
        return found[0]

    async def requests_until(self, proxy: Proxy) -> list[dict[str, Any]]:
        """Every request the API has answered, up to a marker request sent through `proxy` now.

        The API writes a request's log line as it sends the response, and the marker leaves
        only after the answers to the requests before it came back; so once the marker's line
        is there, so is the line of any earlier request nginx passed on.
        """
        marker = f"marker-{uuid.uuid4().hex}"
        async with proxy.client() as client:
            response = await client.get("/api/health", headers={"X-Request-ID": marker})
        assert response.status_code == 200, response.text
        self.request(marker)
        return self.requests()


def api_environment(database_url: URL, **overrides: str) -> dict[str, str]:
    """The process environment without any of the app's settings, plus the API's."""
    environment = {
        key: value for key, value in os.environ.items() if key not in Settings.model_fields
    }
    environment.update(
        ENVIRONMENT="test",
        DATABASE_URL=database_url.render_as_string(hide_password=False),
        SECRET_KEY="nginx-test-secret-key-long-enough-for-hs256",
        FIRST_SUPERUSER=ADMIN_USERNAME,
        FIRST_SUPERUSER_PASSWORD=ADMIN_PASSWORD,
        FIRST_SUPERUSER_EMAIL="nginx-admin@example.com",
        LOG_FORMAT="json",
        # Health checks are logged at debug level; the tests look for every request.
        LOG_LEVEL="DEBUG",
        PYTHONUNBUFFERED="1",
    )
    environment.update(overrides)
    return environment


@contextmanager
def running_api(
    database_url: URL, work: Path, *, forwarded_allow_ips: str = "127.0.0.1", **settings: str
) -> Iterator[Api]:
    """`python -m app.prestart`, then uvicorn trusting the forwarded headers of a proxy at
    `forwarded_allow_ips`, as in Compose; `settings` override the API's test settings."""
    environment = api_environment(database_url, **settings)
    prestart = subprocess.run(
        [sys.executable, "-m", "app.prestart"],
        cwd=work,  # no `.env` here
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert prestart.returncode == 0, prestart.stdout + prestart.stderr

    port = free_port()
    log_path = work / "api.log"
    command = [
        sys.executable, "-m", "uvicorn", "app.main:app",
        "--host", "127.0.0.1",
        "--port", str(port),
        "--proxy-headers", "--forwarded-allow-ips", forwarded_allow_ips,
    ]  # fmt: skip
    with serving(
        command,
        cwd=work,
        environment=environment,
        log_path=log_path,
        ready_url=f"http://127.0.0.1:{port}/api/health",
        stop_signal=signal.SIGINT,
    ):
        yield Api(port, log_path)


@contextmanager
def serving(
    command: list[str],
    *,
    cwd: Path,
    environment: dict[str, str],
    log_path: Path,
    ready_url: str,
    stop_signal: int = signal.SIGTERM,
) -> Iterator[None]:
    """A server process, its output in `log_path`, once `ready_url` answers 200; stopped by
    `stop_signal` when the block ends."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=cwd, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
    try:

        def ready() -> None:
            assert process.poll() is None, f"{command[0]} exited:\n{tail(log_path)}"
            response = httpx.get(ready_url, timeout=5)
            assert response.status_code == 200, response.text

        wait_until(ready)
        yield
    finally:
        stop_process(process, stop_signal)


# --- The stand-in frontend -----------------------------------------------------------------------

# What `next build` serves, in miniature: a page with an inline bootstrap script and style, a
# data: image, and hashed assets under /_next/static/.
INDEX_HTML = """\
<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>order_system</title>
<link rel="stylesheet" href="/_next/static/css/app-3f2a9c.css">
<style>body { margin: 0 }</style>
</head>
<body>
<div id="__next">order_system frontend</div>
<img alt="" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<script src="/_next/static/chunks/main-8d1e4b.js"></script>
<script>self.__next_f = self.__next_f || []; self.__next_f.push([0]);</script>
</body>
</html>
"""
# Large enough for gzip_min_length.
CHUNK_JS = "".join(f"export const value{n} = {n} * 2;\n" for n in range(200))
APP_CSS = "".join(f".item-{n} {{ margin: {n}px; padding: {n}px; }}\n" for n in range(200))
CHUNK_PATH = "/_next/static/chunks/main-8d1e4b.js"
CSS_PATH = "/_next/static/css/app-3f2a9c.css"


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    target: str  # as sent: path and query, percent-encoding untouched
    version: str
    headers: dict[str, str]  # names lower-cased
    peer_port: int  # the port nginx connected from
    on_connection: int  # 1 for the first request on its connection, 2 for the next, ...


@dataclass
class Frontend:
    port: int
    received: list[ReceivedRequest] = field(default_factory=list)

    def received_with(self, request_id: str) -> list[ReceivedRequest]:
        return [r for r in self.received if r.headers.get("x-request-id") == request_id]


class _FrontendHandler(SimpleHTTPRequestHandler):
    """Serves the site's files, plus /echo/..., which answers with the request as JSON.

    Like a carelessly configured upstream, it sends headers nginx must hide or replace.
    """

    protocol_version = "HTTP/1.1"  # keep-alive, as Node's server
    frontend: Frontend
    requests_on_connection = 0  # one handler serves one connection

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def end_headers(self) -> None:
        self.send_header("X-Powered-By", "Next.js")
        self.send_header("X-Frame-Options", "SAMEORIGIN")
        if self.path.startswith("/_next/static/"):
            self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def _record(self) -> ReceivedRequest:
        self.requests_on_connection += 1
        request = ReceivedRequest(
            method=self.command,
            target=self.path,
            version=self.request_version,
            headers={name.lower(): value for name, value in self.headers.items()},
            peer_port=self.client_address[1],
            on_connection=self.requests_on_connection,
        )
        self.frontend.received.append(request)
        return request

    def _echo(self, request: ReceivedRequest) -> None:
        body = json.dumps(
            {"target": request.target, "version": request.version, "headers": request.headers}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        request = self._record()
        if self.path.startswith("/echo/"):
            self._echo(request)
        else:
            super().do_GET()

    def do_POST(self) -> None:
        request = self._record()
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        self._echo(request)


@contextmanager
def stand_in_frontend(site: Path, host: str = "127.0.0.1", port: int = 0) -> Iterator[Frontend]:
    """A stand-in for `frontend:3000`, on `host` at `port` (0: a free one), in a thread of
    this process."""
    site.mkdir(parents=True, exist_ok=True)
    (site / "index.html").write_text(INDEX_HTML)
    for path, content in ((CHUNK_PATH, CHUNK_JS), (CSS_PATH, APP_CSS)):
        target = site / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)

    state = Frontend(port=0)

    class Handler(_FrontendHandler):
        frontend = state

    server = ThreadingHTTPServer((host, port), partial(Handler, directory=str(site)))
    state.port = server.server_address[1]
    with serving_in_thread(server, "stand-in-frontend"):
        yield state


@contextmanager
def serving_in_thread(server: socketserver.BaseServer, name: str) -> Iterator[None]:
    """`server` answering from a thread of this process until the block ends."""
    if isinstance(server, socketserver.ThreadingMixIn):
        server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name=name)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


# --- The engine's DNS and the resolver script ----------------------------------------------------


@dataclass
class Dns:
    """A stand-in for the container engine's DNS (Docker's 127.0.0.11, podman's aardvark-dns):
    A records for the names in `records`, NXDOMAIN for any other; `asked` is every name asked."""

    port: int
    records: dict[str, list[str]] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, name: str, *addresses: str) -> None:
        """From now on `name` resolves to `addresses` (none: to nothing)."""
        with self.lock:
            self.records[name] = list(addresses)

    def answer_to(self, wire: bytes) -> bytes:
        query = dns.message.from_wire(wire)
        response = dns.message.make_response(query)
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        with self.lock:
            self.asked.append(name)
            addresses = list(self.records.get(name, []))
        if not addresses:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif question.rdtype == dns.rdatatype.A:
            response.answer.append(dns.rrset.from_text_list(question.name, 1, "IN", "A", addresses))
        return response.to_wire()


@contextmanager
def stand_in_dns() -> Iterator[Dns]:
    """The stand-in DNS on a free UDP port of 127.0.0.1, in a thread of this process."""
    state = Dns(port=0)

    class Handler(socketserver.DatagramRequestHandler):
        def handle(self) -> None:
            self.wfile.write(state.answer_to(self.rfile.read()))

    server = socketserver.ThreadingUDPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    with serving_in_thread(server, "stand-in-dns"):
        yield state


# The two files the script reads and writes in the container.
RESOLV_CONF = "/etc/resolv.conf"
RESOLVER_CONF = "/etc/nginx/conf.d/resolver.conf"


def run_resolver_script(work: Path, resolv_conf: str) -> subprocess.CompletedProcess[str]:
    """15-resolver.sh as nginx:alpine runs it (BusyBox's sh and awk), reading `resolv_conf`
    as its /etc/resolv.conf and writing its resolver.conf into `work`/conf.d, where the
    rendered config's top-level file includes it."""
    busybox = require_tool("busybox")
    applets = work / "busybox-bin"
    applets.mkdir(parents=True, exist_ok=True)
    listed = subprocess.run(
        [busybox, "--list"], capture_output=True, text=True, check=True, timeout=30
    )
    for applet in listed.stdout.split():
        link = applets / applet
        if not link.exists():
            link.symlink_to(busybox)
    (work / "conf.d").mkdir(parents=True, exist_ok=True)
    (work / "resolv.conf").write_text(resolv_conf)
    text = RESOLVER_SCRIPT.read_text()
    for container_path, here in (
        (RESOLV_CONF, work / "resolv.conf"),
        (RESOLVER_CONF, work / "conf.d" / "resolver.conf"),
    ):
        assert container_path in text, f"15-resolver.sh no longer uses {container_path}"
        text = text.replace(container_path, str(here))
    commands = re.sub(r"(?m)^\s*#.*$", "", text)
    leftovers = re.findall(r"(?:/etc/|/var/|/run/)\S*", commands)
    assert not leftovers, f"15-resolver.sh also uses {leftovers}"
    script = work / "15-resolver.sh"
    script.write_text(text)
    return subprocess.run(
        [busybox, "sh", str(script)],
        env={"PATH": str(applets)},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


# --- Checks --------------------------------------------------------------------------------------


def assert_security_headers(response: httpx.Response, proxy: Proxy) -> None:
    """nginx's response headers, each exactly once, on any response (errors included)."""
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get_list(name) == [value], (name, response.headers)
    assert len(response.headers.get_list("Content-Security-Policy")) == 1
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert len(response.headers.get_list("Permissions-Policy")) == 1
    assert len(response.headers.get_list("X-Request-ID")) == 1
    expected_hsts = [HSTS] if proxy.scheme == "https" else []
    assert response.headers.get_list("Strict-Transport-Security") == expected_hsts
    assert "X-Powered-By" not in response.headers
    assert response.headers["Server"] == "nginx"  # no version


def assert_nginx_not_found(response: httpx.Response) -> None:
    """nginx's own 404 page: neither the API's JSON nor the frontend's page."""
    assert response.status_code == 404, response.text
    assert "<center>nginx</center>" in response.text, response.text


# --- Content-Security-Policy ---------------------------------------------------------------------

# Where a browser looks when a directive is missing (CSP Level 3).
FALLBACKS = {
    "script-src": ("script-src", "default-src"),
    "style-src": ("style-src", "default-src"),
    "img-src": ("img-src", "default-src"),
    "font-src": ("font-src", "default-src"),
    "connect-src": ("connect-src", "default-src"),
    "worker-src": ("worker-src", "child-src", "script-src", "default-src"),
}
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}

Resource = tuple[str, str | None]  # (directive, URL); None for inline code


class _ResourceCollector(HTMLParser):
    """What a page makes the browser load or run, as (directive, URL or None for inline)."""

    def __init__(self) -> None:
        super().__init__()
        self.resources: list[Resource] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        rel = (attributes.get("rel") or "").lower().split()
        if tag == "script":
            self.resources.append(("script-src", attributes.get("src")))
        elif tag == "style":
            self.resources.append(("style-src", None))
        elif tag == "link" and "stylesheet" in rel:
            self.resources.append(("style-src", attributes["href"]))
        elif tag == "link" and "icon" in rel:
            self.resources.append(("img-src", attributes["href"]))
        elif tag == "img":
            self.resources.append(("img-src", attributes["src"]))
        elif tag == "redoc":  # ReDoc fetches the schema named here
            self.resources.append(("connect-src", attributes["spec-url"]))
        if "style" in attributes:
            self.resources.append(("style-src", None))


def page_resources(html: str) -> list[Resource]:
    collector = _ResourceCollector()
    collector.feed(html)
    collector.close()
    return collector.resources


def parse_policy(policy: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives.setdefault(words[0].lower(), words[1:])
    return directives


def _source_matches(source: str, url: str, page_url: str) -> bool:
    resource, page = urlsplit(url), urlsplit(page_url)
    lowered = source.lower()
    if lowered == "'self'":
        return (
            resource.scheme in (page.scheme, "https")
            and resource.hostname == page.hostname
            and (resource.port or DEFAULT_PORTS.get(resource.scheme))
            == (page.port or DEFAULT_PORTS.get(page.scheme))
        )
    if lowered.startswith("'"):  # 'unsafe-inline', 'none', nonces and hashes: no URL
        return False
    if re.fullmatch(r"[a-z][a-z0-9+.-]*:", lowered):  # a scheme source: data:, blob:, https:
        return resource.scheme == lowered[:-1]
    if lowered == "*":
        return resource.scheme in ("http", "https", page.scheme)
    expected = urlsplit(source if "://" in source else f"{page.scheme}://{source}")
    if expected.scheme != resource.scheme and (expected.scheme, resource.scheme) != (
        "http",
        "https",
    ):
        return False
    host, wanted = resource.hostname or "", (expected.hostname or "")
    if wanted.startswith("*."):
        if not host.endswith(wanted[1:]):
            return False
    elif host != wanted:
        return False
    if expected.port is not None and (resource.port or DEFAULT_PORTS.get(resource.scheme)) != (
        expected.port
    ):
        return False
    if expected.path and expected.path != "/":
        if expected.path.endswith("/"):
            return resource.path.startswith(expected.path)
        return resource.path == expected.path
    return True


def csp_allows(policy: str, page_url: str, directive: str, url: str | None) -> bool:
    """Whether a browser on `page_url` under `policy` loads `url` (None: runs inline code)."""
    directives = parse_policy(policy)
    for name in FALLBACKS[directive]:
        if name in directives:
            sources = directives[name]
            break
    else:
        return True  # nothing restricts it
    if url is None:
        # A nonce or hash makes browsers ignore 'unsafe-inline'.
        hashed = any(s.startswith(("'nonce-", "'sha")) for s in sources)
        return "'unsafe-inline'" in sources and not hashed
    absolute = urljoin(page_url, url)
    return any(_source_matches(source, absolute, page_url) for source in sources)


def csp_violations(
    policy: str, page_url: str, html: str, extra: Sequence[Resource] = ()
) -> list[str]:
    """What the page's HTML (and `extra`, loaded by its scripts) would have blocked."""
    return [
        f"{directive} blocks {url or 'inline code'}"
        for directive, url in [*page_resources(html), *extra]
        if not csp_allows(policy, page_url, directive, url)
    ]


# --- TLS -----------------------------------------------------------------------------------------


def tls_client_context(
    certificate: Path,
    *,
    minimum: ssl.TLSVersion = ssl.TLSVersion.MINIMUM_SUPPORTED,
    maximum: ssl.TLSVersion = ssl.TLSVersion.MAXIMUM_SUPPORTED,
    ciphers: str | None = None,
) -> ssl.SSLContext:
    """A client trusting `certificate` that offers only these versions and ciphers.

    Old versions need OpenSSL's security level 0 as well, or the client would refuse them
    itself and prove nothing about the server.
    """
    context = ssl.create_default_context(cafile=str(certificate))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.0 and 1.1 are, rightly
        context.minimum_version = minimum
        context.maximum_version = maximum
    if ciphers is not None:
        context.set_ciphers(f"{ciphers}:@SECLEVEL=0")
    return context


@dataclass(frozen=True)
class Handshake:
    version: str | None
    alpn: str | None
    cipher: str


def tls_handshake(port: int, context: ssl.SSLContext) -> Handshake:
    """A TLS handshake with 127.0.0.1:`port`; raises ssl.SSLError when refused."""
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        cipher = tls.cipher()
        assert cipher is not None
        return Handshake(tls.version(), tls.selected_alpn_protocol(), cipher[0])


@contextmanager
def legacy_tls_server(certificate: Path, key: Path) -> Iterator[int]:
    """A TLS 1.1-only server for one handshake, to show this machine's client can do TLS 1.1."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = ssl.TLSVersion.TLSv1_1
        context.maximum_version = ssl.TLSVersion.TLSv1_1
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    context.load_cert_chain(certificate, key)
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(30)  # never outlive the test waiting for a client

        def serve_one() -> None:
            with suppress(OSError):  # ssl.SSLError and timeouts included
                connection, _ = listener.accept()
                with connection:
                    context.wrap_socket(connection, server_side=True).close()

        thread = threading.Thread(target=serve_one, name="legacy-tls-server")
        thread.start()
        try:
            yield listener.getsockname()[1]
        finally:
            thread.join(timeout=30)
