"""The production variant's TLS side: nginx/nginx.production.conf with a self-signed
certificate made here, in front of a stand-in frontend and no API at all (the routes through
TLS to the real API are in test_nginx_proxy.py).
"""

import ssl
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from helpers import free_port
from nginx_support import (
    HSTS,
    Proxy,
    assert_security_headers,
    legacy_tls_server,
    running_proxy,
    stand_in_frontend,
    tls_client_context,
    tls_handshake,
)


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    with (
        stand_in_frontend(tmp_path_factory.mktemp("frontend")) as frontend,
        running_proxy(
            "production",
            tmp_path_factory.mktemp("nginx-production"),
            backend_port=free_port(),  # nothing listens there: the API is down
            frontend_port=frontend.port,
        ) as proxy,
    ):
        yield proxy


@pytest.fixture
def https_port(proxy: Proxy) -> int:
    assert proxy.https_port is not None
    return proxy.https_port


@pytest.fixture
def certificate(proxy: Proxy) -> Path:
    assert proxy.certificate is not None
    return proxy.certificate


@pytest.fixture
async def plain_http(proxy: Proxy) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{proxy.http_port}") as client:
        yield client


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/"), ("GET", "/api/health?verbose=1"), ("POST", "/api/auth/login")],
)
async def test_plain_http_is_redirected_to_https(
    plain_http: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await plain_http.request(method, path)
    assert response.status_code == 301
    assert response.headers["Location"] == f"https://127.0.0.1{path}"


async def test_acme_challenges_are_answered_over_plain_http(
    plain_http: httpx.AsyncClient, proxy: Proxy
) -> None:
    challenge = proxy.work / "certbot" / ".well-known" / "acme-challenge" / "token-42"
    challenge.parent.mkdir(parents=True)
    challenge.write_text("token-42.thumbprint")
    response = await plain_http.get("/.well-known/acme-challenge/token-42")
    assert response.status_code == 200
    assert response.text == "token-42.thumbprint"


@pytest.mark.parametrize(
    ("path", "status"),
    [("/", 200), ("/metrics", 404), ("/api/health", 502)],
)
async def test_https_answers_carry_hsts_errors_included(
    proxy: Proxy, path: str, status: int
) -> None:
    async with proxy.client() as client:
        response = await client.get(path)
    assert response.status_code == status
    assert response.headers["Strict-Transport-Security"] == HSTS
    assert_security_headers(response, proxy)


async def test_an_unreachable_api_is_a_json_502(proxy: Proxy) -> None:
    async with proxy.client() as client:
        response = await client.get("/api/health")
    assert response.status_code == 502
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["code"] == "api_unavailable"


def test_http2_is_offered(https_port: int, certificate: Path) -> None:
    context = tls_client_context(certificate)
    context.set_alpn_protocols(["h2", "http/1.1"])
    assert tls_handshake(https_port, context).alpn == "h2"


@pytest.mark.parametrize(
    ("version", "name"),
    [(ssl.TLSVersion.TLSv1_2, "TLSv1.2"), (ssl.TLSVersion.TLSv1_3, "TLSv1.3")],
)
def test_tls_1_2_and_1_3_are_accepted(
    https_port: int, certificate: Path, version: ssl.TLSVersion, name: str
) -> None:
    context = tls_client_context(certificate, minimum=version, maximum=version)
    assert tls_handshake(https_port, context).version == name


def test_tls_1_1_is_refused(https_port: int, certificate: Path) -> None:
    def tls_1_1_client() -> ssl.SSLContext:
        return tls_client_context(
            certificate,
            minimum=ssl.TLSVersion.TLSv1_1,
            maximum=ssl.TLSVersion.TLSv1_1,
            ciphers="DEFAULT",
        )

    # This client really speaks TLS 1.1 (OpenSSL's defaults would stop it on its own side)...
    with legacy_tls_server(certificate, certificate.with_name("privkey.pem")) as port:
        assert tls_handshake(port, tls_1_1_client()).version == "TLSv1.1"
    # ...and nginx turns it away.
    with pytest.raises(ssl.SSLError, match="PROTOCOL_VERSION"):
        tls_handshake(https_port, tls_1_1_client())


def test_only_forward_secret_ciphers_are_accepted(https_port: int, certificate: Path) -> None:
    def tls_1_2_client(ciphers: str) -> ssl.SSLContext:
        return tls_client_context(
            certificate,
            minimum=ssl.TLSVersion.TLSv1_2,
            maximum=ssl.TLSVersion.TLSv1_2,
            ciphers=ciphers,
        )

    forward_secret = "ECDHE-RSA-AES128-GCM-SHA256"
    handshake = tls_handshake(https_port, tls_1_2_client(forward_secret))
    assert handshake.cipher == forward_secret
    # RSA key exchange, and CBC with SHA-1: the client offers them, nginx accepts neither.
    for weak in ("AES128-GCM-SHA256", "ECDHE-RSA-AES128-SHA"):
        with pytest.raises(ssl.SSLError, match="HANDSHAKE_FAILURE"):
            tls_handshake(https_port, tls_1_2_client(weak))
