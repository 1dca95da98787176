"""A test fixture between the Docker clients and podman 4.3's Docker-compatible API that
corrects two answers:
- podman lists a container's networks (GET /containers/json,
  `NetworkSettings.Networks.*.NetworkID`) with the network's name where Docker gives its ID;
  Compose 2.30 and later compare that with the network's ID, find them different, and
  recreate every container on every `up` (and a container with a fixed address then collides
  with its own old self);
- waiting for a container to be removed (POST /containers/{id}/wait?condition=removed, what
  `docker run --rm` and `docker compose run --rm` ask) answers exit code 0 whatever the
  container's was, so a failed migration run looked like a success; the adapter asks for the
  next exit instead, which podman answers with the real code.
Everything else passes through unchanged: requests and responses through h11, and hijacked
streams (`docker exec`, `attach`) as raw bytes once the API switches protocols.
"""

import asyncio
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import h11

CONTAINER_LIST = re.compile(r"^(/v[0-9.]+)?/containers/json(\?|$)")
WAIT_FOR_REMOVAL = re.compile(r"^((?:/v[0-9.]+)?/containers/[^/]+/wait\?(?:.*&)?condition=)removed")
CHUNK = 65536


async def read_event(connection: h11.Connection, reader: asyncio.StreamReader) -> Any:
    while True:
        event = connection.next_event()
        if event is not h11.NEED_DATA:
            return event
        connection.receive_data(await reader.read(CHUNK))


async def splice(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with suppress(ConnectionError):
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    with suppress(OSError):
        writer.write_eof()


class Adapter:
    """Serves `socket`, forwarding every request to podman's `upstream` socket."""

    def __init__(self, socket: Path, upstream: Path) -> None:
        self.socket = socket
        self.upstream = upstream
        # asyncio keeps only weak references to tasks: a connection waiting on a client that
        # went quiet would otherwise be collected mid-way.
        self.connections: set[asyncio.Task[None]] = set()

    async def network_ids(self) -> dict[str, str]:
        reader, writer = await asyncio.open_unix_connection(self.upstream)
        connection = h11.Connection(h11.CLIENT)
        request = h11.Request(method="GET", target="/networks", headers=[("Host", "podman")])
        writer.write(
            (connection.send(request) or b"") + (connection.send(h11.EndOfMessage()) or b"")
        )
        await writer.drain()
        body = b""
        while not isinstance(event := await read_event(connection, reader), h11.EndOfMessage):
            if isinstance(event, h11.Data):
                body += event.data
        writer.close()
        return {network["Name"]: network["Id"] for network in json.loads(body)}

    async def corrected(self, body: bytes) -> bytes:
        containers = json.loads(body)
        if not isinstance(containers, list):  # an error, passed on as it is
            return body
        ids = await self.network_ids()
        for container in containers:
            networks = (container.get("NetworkSettings") or {}).get("Networks") or {}
            for name, settings in networks.items():
                if settings.get("NetworkID") == name and name in ids:
                    settings["NetworkID"] = ids[name]
        return json.dumps(containers).encode()

    async def serve_connection(
        self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        client = h11.Connection(h11.SERVER)
        task = asyncio.current_task()
        assert task is not None
        self.connections.add(task)
        try:
            while True:
                request = await read_event(client, client_reader)
                if not isinstance(request, h11.Request):
                    return
                switched = await self.forward(request, client, client_reader, client_writer)
                if switched or client.our_state is h11.MUST_CLOSE:
                    return
                client.start_next_cycle()
        except (h11.ProtocolError, OSError):
            # A client gone, or podman's socket not there yet (the engine's start polls it).
            return
        finally:
            client_writer.close()
            self.connections.discard(task)

    async def forward(
        self,
        request: h11.Request,
        client: h11.Connection,
        client_reader: asyncio.StreamReader,
        client_writer: asyncio.StreamWriter,
    ) -> bool:
        """One request and its answer; True when the connection became a raw stream."""
        upstream_reader, upstream_writer = await asyncio.open_unix_connection(self.upstream)
        try:
            return await self.exchange(
                request, client, client_reader, client_writer, upstream_reader, upstream_writer
            )
        finally:
            upstream_writer.close()

    async def exchange(
        self,
        request: h11.Request,
        client: h11.Connection,
        client_reader: asyncio.StreamReader,
        client_writer: asyncio.StreamWriter,
        upstream_reader: asyncio.StreamReader,
        upstream_writer: asyncio.StreamWriter,
    ) -> bool:
        upstream = h11.Connection(h11.CLIENT)
        target = request.target.decode()
        if request.method == b"POST" and WAIT_FOR_REMOVAL.match(target):
            request = h11.Request(
                method=request.method,
                target=WAIT_FOR_REMOVAL.sub(r"\1next-exit", target),
                headers=request.headers,
                http_version=request.http_version,
            )
        upstream_writer.write(upstream.send(request) or b"")
        while not isinstance(event := await read_event(client, client_reader), h11.EndOfMessage):
            upstream_writer.write(upstream.send(event) or b"")
            await upstream_writer.drain()
        upstream_writer.write(upstream.send(h11.EndOfMessage()) or b"")
        await upstream_writer.drain()

        rewrite = request.method == b"GET" and CONTAINER_LIST.match(target) is not None
        response = await read_event(upstream, upstream_reader)
        if isinstance(response, h11.InformationalResponse) and response.status_code == 101:
            client_writer.write(client.send(response) or b"")
            await self.raw(
                client_reader,
                client_writer,
                upstream_reader,
                upstream_writer,
                upstream,
                client,
            )
            return True
        body = b""
        if rewrite:
            while not isinstance(
                event := await read_event(upstream, upstream_reader), h11.EndOfMessage
            ):
                if isinstance(event, h11.Data):
                    body += event.data
            body = await self.corrected(body)
            headers = [
                (name, value)
                for name, value in response.headers
                if name.lower() not in (b"content-length", b"transfer-encoding")
            ]
            headers.append((b"Content-Length", str(len(body)).encode()))
            client_writer.write(
                client.send(h11.Response(status_code=response.status_code, headers=headers)) or b""
            )
            client_writer.write(client.send(h11.Data(data=body)) or b"")
            client_writer.write(client.send(h11.EndOfMessage()) or b"")
        else:
            client_writer.write(client.send(response) or b"")
            while not isinstance(
                event := await read_event(upstream, upstream_reader), h11.EndOfMessage
            ):
                client_writer.write(client.send(event) or b"")
                await client_writer.drain()
            client_writer.write(client.send(h11.EndOfMessage()) or b"")
        await client_writer.drain()
        return False

    async def raw(
        self,
        client_reader: asyncio.StreamReader,
        client_writer: asyncio.StreamWriter,
        upstream_reader: asyncio.StreamReader,
        upstream_writer: asyncio.StreamWriter,
        upstream: h11.Connection,
        client: h11.Connection,
    ) -> None:
        """Both ways, byte for byte, after the switch (what h11 already read goes first)."""
        early_from_upstream, _ = upstream.trailing_data
        early_from_client, _ = client.trailing_data
        client_writer.write(early_from_upstream)
        upstream_writer.write(early_from_client)
        await asyncio.gather(
            splice(client_reader, upstream_writer),
            splice(upstream_reader, client_writer),
        )

    async def serve(self, started: threading.Event, stopping: asyncio.Event) -> None:
        server = await asyncio.start_unix_server(self.serve_connection, path=self.socket)
        started.set()
        async with server:
            await stopping.wait()
            for connection in list(self.connections):
                connection.cancel()
            await asyncio.gather(*self.connections, return_exceptions=True)
            # The transports' closing callbacks run on the next turn of the loop.
            await asyncio.sleep(0)


@contextmanager
def adapting(socket: Path, upstream: Path) -> Iterator[None]:
    """The adapter on `socket`, in a thread of its own, until the block ends."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    stopping = asyncio.Event()
    adapter = Adapter(socket, upstream)
    thread = threading.Thread(
        target=loop.run_until_complete,
        args=(adapter.serve(started, stopping),),
        name="api-adapter",
        daemon=True,
    )
    thread.start()
    started.wait(timeout=30)
    try:
        yield
    finally:
        loop.call_soon_threadsafe(stopping.set)
        thread.join(timeout=30)
        loop.close()
