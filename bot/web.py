"""The HTTP front door: a guard that turns away what cannot be a Slack request before Bolt reads it, and the
threaded server of `python app.py`; gunicorn (the Procfile's web) serves the same guarded WSGI app."""

from __future__ import annotations

import io
import time

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.request.internals import parse_body

PATH = "/slack/events"
MAX_BODY = 1024 * 1024  # far above Slack's largest payload (a submitted 100-block modal), far below harm
SIGNATURE_WINDOW = 5 * 60  # Slack's rule: a signed request older than this is a replay
IDLE_TIMEOUT = 30  # seconds a connection may stay silent (half a body, no request) before it is closed


def refuse(start_response, status: str) -> list[bytes]:
    body = status.encode()
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]


def guarded(app):
    """Wrap a WSGI app: 413 for a body over MAX_BODY and 401 for a missing, malformed or stale signature
    timestamp, both before the body is read; 400 for a body Bolt could not parse (it would answer 500)."""

    def guard(environ, start_response):
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != PATH:
            return app(environ, start_response)
        length = environ.get("CONTENT_LENGTH") or "0"
        if not (length.isascii() and length.isdigit()):
            return refuse(start_response, "400 Bad Request")
        if int(length) > MAX_BODY:
            return refuse(start_response, "413 Content Too Large")
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
        if not (
            timestamp.isascii()
            and timestamp.isdigit()
            and abs(time.time() - int(timestamp)) <= SIGNATURE_WINDOW
            and environ.get("HTTP_X_SLACK_SIGNATURE")
        ):
            return refuse(start_response, "401 Unauthorized")
        raw = environ["wsgi.input"].read(int(length))
        try:
            if not isinstance(parse_body(raw.decode("utf-8"), environ.get("CONTENT_TYPE")), dict):
                raise ValueError("not an object")
        except ValueError:  # undecodable bytes, broken JSON, a payload that is not an object
            return refuse(start_response, "400 Bad Request")
        environ["wsgi.input"] = io.BytesIO(raw)
        return app(environ, start_response)

    return guard


def wsgi_app(bolt: App, gl=None):
    """The guarded WSGI app that serves Bolt at /slack/events, behind the page, health and metrics when given `gl`."""
    app = guarded(SlackRequestHandler(bolt, path=PATH))
    return with_operator_paths(gl, app) if gl is not None else app


def with_operator_paths(gl, app):
    """/, /healthz, /readyz and /metrics in front of `app` (see bot/ops_web.py)."""
    from bot import ops_web

    return ops_web.routes(gl, app)


def serve(bolt: App, *, port: int, threads: int, gl=None) -> None:
    """Serve HTTP until the process ends: waitress reads requests asynchronously, so a slow or stalled
    client holds no worker thread, and it refuses bodies over MAX_BODY as they are announced."""
    import waitress

    waitress.serve(
        wsgi_app(bolt, gl),
        host="0.0.0.0",
        port=port,
        threads=threads,
        max_request_body_size=MAX_BODY,
        channel_timeout=IDLE_TIMEOUT,
        ident="greenlight",
    )
