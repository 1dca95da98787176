"""What the production stack's tests share: an HTTPS client for the guide's self-signed
certificate, the backend's replicas, and a steady stream of requests through nginx."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
from container_fixtures import ProductionPorts, Stack, http_client

DB = "order_system_db_prod"


def client(ports: ProductionPorts, **options: object) -> httpx.Client:
    # The certificate is the self-signed one of docs/deployment.md.
    return http_client(ports.https_url, verify=False, **options)


def backend_containers(stack: Stack) -> list[str]:
    return stack.compose("ps", "--quiet", "backend").stdout.split()


@dataclass
class RequestLoop:
    """GET /api/health through nginx, one after another, from a thread: every answer with the
    time its request was sent (0 for no answer at all)."""

    base_url: str
    answers: list[tuple[float, int]] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        with httpx.Client(base_url=self.base_url, verify=False, timeout=10) as session:  # noqa: S501
            while not self.stopping.is_set():
                sent = time.monotonic()
                try:
                    status = session.get("/api/health").status_code
                except httpx.TransportError:
                    status = 0
                self.answers.append((sent, status))
                time.sleep(0.02)

    def after(self, moment: float) -> list[int]:
        """The answers to the requests sent from `moment` on."""
        return [status for at, status in self.answers if at >= moment]


@contextmanager
def steady_requests(ports: ProductionPorts) -> Iterator[RequestLoop]:
    loop = RequestLoop(ports.https_url)
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    try:
        yield loop
    finally:
        loop.stopping.set()
        thread.join(timeout=30)
