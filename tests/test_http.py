"""The HTTP server of `python app.py` and of the Procfile's web, as a client on the internet meets it: a stalled
client holds up nobody, an oversized body is refused before it is read, malformed requests get 400 or 401, and a
captured signed request replayed acts once."""

from __future__ import annotations

import select
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urlparse

import pytest

from tests.http_app import FORM, SECRET, command
from tests.slack_driver import command_body, signed_headers


@pytest.fixture
def database_url(tmp_path):
    """SQLite only: what is tested here happens before any database is touched."""
    return f"sqlite:///{tmp_path / 'http.db'}"


def connect(url: str) -> socket.socket:
    address = urlparse(url)
    return socket.create_connection((address.hostname, address.port), timeout=10)


def head(url: str, length: int, headers: dict) -> bytes:
    """The start of a POST to the app announcing `length` bytes of body."""
    lines = [
        f"POST {urlparse(url).path} HTTP/1.1",
        "Host: localhost",
        f"Content-Type: {FORM}",
        f"Content-Length: {length}",
        *(f"{k}: {v[0]}" for k, v in headers.items() if k != "content-type"),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def post_bytes(url: str, body: bytes, headers: dict) -> int:
    request = urllib.request.Request(url, data=body, headers={k: v[0] for k, v in headers.items()}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


def test_a_client_that_stalls_mid_body_holds_up_nobody(app_process, fake):
    url = app_process
    body = command_body("list", "UOWNER", "CGENERAL", fake.response_url("stalled")).encode()
    with connect(url) as stalled:
        stalled.sendall(head(url, len(body), signed_headers(body.decode(), SECRET, FORM)) + body[: len(body) // 2])
        started = time.monotonic()
        reply = command(
            url, fake, "new Training plan approvers <@UALICE|alice> sponsor <@USPONSOR|sponsor>", "UOWNER", "prompt"
        )
        assert reply["text"].startswith("Registered *GL-1*")
        assert time.monotonic() - started < 5


def test_an_oversized_unsigned_body_is_refused_before_it_is_read(app_process):
    url = app_process
    total, chunk = 200 * 1024 * 1024, b"x" * (256 * 1024)
    sent, answer = 0, b""
    with connect(url) as client:
        client.sendall(head(url, total, {}))
        try:
            while sent < total and not select.select([client], [], [], 0)[0]:
                client.sendall(chunk)
                sent += len(chunk)
            answer = client.recv(200)
        except (BrokenPipeError, ConnectionResetError):  # the server closed the connection: also a refusal
            pass
    assert sent < total / 10, f"the server read {sent} bytes before answering"
    assert answer == b"" or answer.startswith(b"HTTP/1.1 413"), answer


def test_a_malformed_body_gets_400(app_process):
    # A broken JSON payload, a payload that is not an object, bytes that are not UTF-8, broken JSON.
    for body in (b"payload=%7Bbroken", b"payload=%5B1%5D", b"\xff\xfe\x00", b'{"type": '):
        assert post_bytes(app_process, body, signed_headers(body.decode("latin-1"), SECRET, FORM)) == 400, body


def test_a_missing_or_malformed_timestamp_gets_401(app_process, fake):
    body = command_body("list", "UOWNER", "CGENERAL", fake.response_url("unsigned"))
    headers = signed_headers(body, SECRET, FORM)
    for timestamp in ("soon", "", "-1", "1e9"):
        assert post_bytes(app_process, body.encode(), {**headers, "x-slack-request-timestamp": [timestamp]}) == 401
    del headers["x-slack-request-timestamp"]
    assert post_bytes(app_process, body.encode(), headers) == 401
    assert fake.calls("response_url") == []


def answers_to(fake, name: str, count: int) -> list[dict]:
    """The first `count` answers at the response_url `name`, waiting up to 10 s for them."""
    deadline = time.monotonic() + 10
    while len(found := [c.args for c in fake.calls("response_url") if c.args["_name"] == name]) < count:
        assert time.monotonic() < deadline, found
        time.sleep(0.02)
    return found


def test_a_signed_command_replayed_as_it_was_acts_once(app_process, fake):
    body = command_body(
        "new Training plan approvers <@UALICE|alice> sponsor <@USPONSOR|sponsor>",
        "UOWNER",
        "CGENERAL",
        fake.response_url("replayed"),
    )
    headers = signed_headers(body, SECRET, FORM)  # captured once, replayed within the signature window
    assert post_bytes(app_process, body.encode(), headers) == 200
    (first,) = answers_to(fake, "replayed", 1)
    assert first["text"].startswith("Registered *GL-1*")
    for _ in range(2):
        assert post_bytes(app_process, body.encode(), headers) == 200
    assert answers_to(fake, "replayed", 3) == [first] * 3
    time.sleep(0.5)  # what a second registration would have sent by now
    assert len([c for c in fake.calls("chat.postMessage") if c.args["channel"] == "UALICE"]) == 1
