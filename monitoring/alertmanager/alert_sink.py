"""The default alert receiver: logs each alert Alertmanager sends as one JSON line on stdout.

Alertmanager's webhook POSTs a JSON notification holding a list of alerts; each one becomes a
line with its status, labels and annotations (the runbook too), so `docker compose logs
alert-sink` shows what would have woken someone, without internet or an account anywhere.
GET /-/healthy answers 200 for the healthcheck.

The standard library's HTTP server does the HTTP, so the official python image runs this file
as it is: one process, one request at a time, on the private `monitoring` network.
"""

import argparse
import json
import signal
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import FrameType
from typing import Any

MAX_BODY_BYTES = 1024 * 1024


class NotAlertmanagerPayload(ValueError):
    """The body is not an Alertmanager webhook notification."""


def alert_lines(body: bytes) -> list[str]:
    """One JSON line per alert of an Alertmanager webhook notification."""
    try:
        notification = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise NotAlertmanagerPayload(f"the body is not JSON: {error}") from error
    alerts = notification.get("alerts") if isinstance(notification, dict) else None
    if not isinstance(alerts, list) or not all(isinstance(alert, dict) for alert in alerts):
        raise NotAlertmanagerPayload("the body has no `alerts` list")
    return [
        json.dumps(
            {
                "receiver": notification.get("receiver"),
                "status": alert.get("status"),
                "labels": alert.get("labels", {}),
                "annotations": alert.get("annotations", {}),
                "startsAt": alert.get("startsAt"),
                "endsAt": alert.get("endsAt"),
            },
            sort_keys=True,
        )
        for alert in alerts
    ]


class AlertSinkHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/-/healthy":
            self.answer(HTTPStatus.OK, "ok")
        else:
            self.answer(HTTPStatus.NOT_FOUND, "POST Alertmanager notifications to any path")

    def do_POST(self) -> None:
        length = self.headers.get("Content-Length", "")
        if not length.isdigit() or int(length) > MAX_BODY_BYTES:
            limit = f"a Content-Length up to {MAX_BODY_BYTES} bytes is needed"
            self.answer(HTTPStatus.BAD_REQUEST, limit)
            return
        try:
            lines = alert_lines(self.rfile.read(int(length)))
        except NotAlertmanagerPayload as error:
            self.answer(HTTPStatus.BAD_REQUEST, str(error))
            return
        for line in lines:
            print(line, flush=True)
        self.answer(HTTPStatus.OK, "ok")

    def answer(self, status: HTTPStatus, text: str) -> None:
        body = (text + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Only the alerts go to stdout; requests are not logged."""


def stop(signum: int, frame: FrameType | None) -> None:
    # As PID 1 in its container the process would otherwise ignore SIGTERM.
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=9095, help="port to listen on")
    arguments = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, stop)
    with HTTPServer((arguments.host, arguments.port), AlertSinkHandler) as server:
        print(
            json.dumps({"message": f"alert sink listening on {arguments.host}:{arguments.port}"}),
            flush=True,
        )
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
