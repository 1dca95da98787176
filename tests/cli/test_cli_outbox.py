"""`order-system outbox`: the mails not sent yet, and failed ones put back in line."""

import pytest
from cli_support import fetch, migrated, run_ok
from sqlalchemy.engine import URL

# Subject, status, attempts, last error.
MAILS = [
    ("Waiting", "pending", 0, None),
    ("Given up", "failed", 8, "550 gone"),
    ("Delivered", "sent", 1, None),
]


@pytest.fixture
def database(scratch_database_url: URL) -> URL:
    url = migrated(scratch_database_url)
    for subject, status, attempts, last_error in MAILS:
        fetch(
            url,
            "INSERT INTO email_outbox (message_id, recipient, subject, text_body, html_body, "
            "status, attempts, last_error, next_attempt_at) VALUES (:message_id, "
            "'customer@example.com', :subject, 't', 'h', :status, :attempts, :last_error, "
            "now() + interval '1 hour')",
            message_id=f"<{status}@shop.example>",
            subject=subject,
            status=status,
            attempts=attempts,
            last_error=last_error,
        )
    return url


def test_outbox_lists_pending_and_failed_mail_with_its_last_error(database: URL) -> None:
    output = run_ok(database, "outbox")

    assert "Waiting" in output
    assert "Given up" in output
    assert "550 gone" in output
    assert "Delivered" not in output


def test_outbox_retry_failed_puts_failed_mail_back_in_line_due_now(database: URL) -> None:
    output = run_ok(database, "outbox", "--retry-failed")

    assert "1 failed mail back in line." in output
    rows = fetch(
        database,
        "SELECT subject, status, attempts, next_attempt_at <= now() AS due FROM email_outbox "
        "ORDER BY id",
    )
    assert [tuple(row) for row in rows] == [
        ("Waiting", "pending", 0, False),
        ("Given up", "pending", 0, True),
        ("Delivered", "sent", 1, False),
    ]


def test_outbox_says_when_nothing_waits(scratch_database_url: URL) -> None:
    assert "No mail waiting" in run_ok(migrated(scratch_database_url), "outbox")
