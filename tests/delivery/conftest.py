"""A tiny SMTP server on 127.0.0.1 (aiosmtpd is not a dependency) and a recording sender."""

from __future__ import annotations

import email
import socketserver
import threading
from collections.abc import Iterator
from email.message import Message

import pytest

from app.delivery.senders import DeliveryError, OutgoingMessage


class FakeSmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SmtpHandler)
        self.received: list[Message] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        # Reply to RCPT TO or DATA with this line instead of accepting, e.g. "550 no such user".
        self.rcpt_reply: str | None = None
        self.data_reply: str | None = None
        self.lock = threading.Lock()

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class _SmtpHandler(socketserver.StreamRequestHandler):
    server: FakeSmtpServer

    def _reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())
        self.wfile.flush()

    def handle(self) -> None:
        self._reply("220 fake.test ESMTP")
        sender, recipients = "", []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line[:4].upper()
            if verb in ("EHLO", "HELO"):
                self._reply("250-fake.test\r\n250-8BITMIME\r\n250 SMTPUTF8")
            elif verb == "MAIL":
                sender, recipients = line.split(":", 1)[1].split()[0].strip("<>"), []
                self._reply("250 OK")
            elif verb == "RCPT":
                if self.server.rcpt_reply:
                    self._reply(self.server.rcpt_reply)
                    continue
                recipients.append(line.split(":", 1)[1].strip().strip("<>"))
                self._reply("250 OK")
            elif verb == "DATA":
                self._reply("354 go ahead")
                data = bytearray()
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                if self.server.data_reply:
                    self._reply(self.server.data_reply)
                    continue
                with self.server.lock:
                    self.server.received.append(email.message_from_bytes(bytes(data)))
                    self.server.envelopes.append((sender, recipients))
                self._reply("250 queued")
            elif verb == "RSET" or verb == "NOOP":
                self._reply("250 OK")
            elif verb == "QUIT":
                self._reply("221 bye")
                return
            else:
                self._reply("502 not implemented")


@pytest.fixture
def smtp_server() -> Iterator[FakeSmtpServer]:
    server = FakeSmtpServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class RecordingSender:
    """A sender that records what it was asked to send and fails on demand."""

    def __init__(self, channel: str, *, fail: DeliveryError | None = None) -> None:
        self.channel = channel
        self.fail = fail
        self.sent: list[OutgoingMessage] = []
        self.lock = threading.Lock()

    def send(self, message: OutgoingMessage) -> None:
        if self.fail is not None:
            raise self.fail
        with self.lock:
            self.sent.append(message)


@pytest.fixture
def recording_webhook() -> RecordingSender:
    return RecordingSender("webhook")
