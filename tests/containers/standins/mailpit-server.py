#!/usr/bin/python3
"""Test fixture, never shipped: the part of Mailpit the container tests use (see
mailpit.Containerfile). Messages are kept in memory, newest first, with Mailpit's field names
(https://mailpit.axllent.org/docs/api-v1/). `mailpit readyz` checks a running one."""

import email
import email.policy
import json
import signal
import sys
import threading
import urllib.request
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

SMTP_PORT = 1025
HTTP_PORT = 8025
SNIPPET_LENGTH = 250

messages: list[dict[str, Any]] = []
lock = threading.Lock()


def addresses(message: EmailMessage, header: str) -> list[dict[str, str]]:
    return [
        {"Name": name, "Address": address}
        for name, address in getaddresses(message.get_all(header, []))
    ]


def body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    return str(part.get_content()) if part is not None else ""


def stored(raw: bytes) -> dict[str, Any]:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    text = body(message, "plain")
    senders = addresses(message, "From")
    return {
        "ID": str(uuid.uuid4()),
        "MessageID": (message["Message-ID"] or "").strip("<>"),
        "Read": False,
        "From": senders[0] if senders else None,
        "To": addresses(message, "To"),
        "Cc": addresses(message, "Cc"),
        "Bcc": [],
        "ReplyTo": addresses(message, "Reply-To"),
        "Subject": message["Subject"] or "",
        "Created": datetime.now(UTC).isoformat(),
        "Date": parsedate_to_datetime(message["Date"]).isoformat() if message["Date"] else "",
        "Tags": [],
        "Size": len(raw),
        "Snippet": " ".join(text.split())[:SNIPPET_LENGTH],
        "Text": text,
        "HTML": body(message, "html"),
        "Inline": [],
        "Attachments": [],
    }


SUMMARY_FIELDS = (
    "ID", "MessageID", "Read", "From", "To", "Cc", "Bcc", "ReplyTo", "Subject", "Created",
    "Tags", "Size", "Snippet",
)  # fmt: skip
MESSAGE_FIELDS = (
    "ID", "MessageID", "From", "To", "Cc", "Bcc", "ReplyTo", "Subject", "Date", "Tags",
    "Text", "HTML", "Size", "Inline", "Attachments",
)  # fmt: skip


class Inbox:
    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's hook
        assert envelope.original_content is not None
        message = stored(envelope.original_content)
        with lock:
            messages.insert(0, message)
        return f"250 2.0.0 Ok: queued as {message['ID']}"


class Api(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == "/readyz":
            self.answer(200, None)
        elif path == "/api/v1/messages":
            with lock:
                summaries = [
                    {name: message[name] for name in SUMMARY_FIELDS} | {"Attachments": 0}
                    for message in messages
                ]
            unread = sum(not summary["Read"] for summary in summaries)
            self.answer(
                200,
                {
                    "total": len(summaries),
                    "unread": unread,
                    "count": len(summaries),
                    "messages_count": len(summaries),
                    "messages_unread": unread,
                    "start": 0,
                    "tags": [],
                    "messages": summaries,
                },
            )
        elif path.startswith("/api/v1/message/"):
            wanted = path.removeprefix("/api/v1/message/")
            with lock:
                found = [message for message in messages if message["ID"] == wanted]
                for message in found:
                    message["Read"] = True
            if found:
                self.answer(200, {name: found[0][name] for name in MESSAGE_FIELDS})
            else:
                self.answer(404, "message not found")
        else:
            self.answer(404, "not found")

    def answer(self, status: int, content: object) -> None:
        if isinstance(content, str) or content is None:
            data, kind = (content or "").encode(), "text/plain; charset=utf-8"
        else:
            data, kind = json.dumps(content).encode(), "application/json"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def serve() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    smtp = Controller(Inbox(), hostname="0.0.0.0", port=SMTP_PORT)
    smtp.start()
    print(f"[smtpd] accepting mail on 0.0.0.0:{SMTP_PORT}", flush=True)
    print(f"[http] accessible via http://0.0.0.0:{HTTP_PORT}/", flush=True)
    ThreadingHTTPServer(("0.0.0.0", HTTP_PORT), Api).serve_forever()


def readyz() -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{HTTP_PORT}/readyz", timeout=5):
            return 0
    except OSError:
        return 1


if __name__ == "__main__":
    if sys.argv[1:] == ["readyz"]:
        sys.exit(readyz())
    serve()
