"""What operators and people reach over HTTP besides Slack: / (the page), /healthz, /readyz and /metrics; mounted in
front of Bolt in HTTP mode, and served alone on GREENLIGHT_HEALTH_PORT by Socket Mode and clock processes."""

from __future__ import annotations

import json
import logging
import threading

from bot import metrics, page
from bot.health import Readiness

log = logging.getLogger(__name__)


def answer(start_response, status: str, body: bytes, content_type: str) -> list[bytes]:
    start_response(
        status, [("Content-Type", content_type), ("Content-Length", str(len(body))), ("Cache-Control", "no-store")]
    )
    return [body]


def as_json(start_response, status: str, data: dict) -> list[bytes]:
    return answer(start_response, status, json.dumps(data).encode(), "application/json")


def routes(gl, app=None, *, with_page: bool = True):
    """A WSGI app answering the operator paths (GET or HEAD) and passing anything else to `app` (404 without one)."""
    readiness = Readiness(gl)
    install_url = page.ADD_TO_SLACK_PATH if getattr(gl.config, "slack_client_id", None) else None

    def serve(environ, start_response):
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD")
        if method in ("GET", "HEAD"):
            if path == "/healthz":
                return as_json(start_response, "200 OK", {"status": "ok"})
            if path == "/readyz":
                problems = readiness.problems()
                if problems:
                    return as_json(
                        start_response, "503 Service Unavailable", {"status": "not ready", "failed": problems}
                    )
                return as_json(start_response, "200 OK", {"status": "ready"})
            if path == "/metrics":
                return answer(start_response, "200 OK", metrics.render(gl), metrics.CONTENT_TYPE)
            if path == "/" and with_page:
                body = page.render(gl.config.contact, install_url=install_url).encode()
                return answer(start_response, "200 OK", body, "text/html; charset=utf-8")
        if app is None:
            return answer(start_response, "404 Not Found", b"404 Not Found", "text/plain; charset=utf-8")
        return app(environ, start_response)

    return serve


def serve_in_background(gl, port: int):
    """Serve /healthz, /readyz and /metrics on `port` from a daemon thread (Socket Mode and clock processes)."""
    import waitress.server

    server = waitress.server.create_server(
        routes(gl, with_page=False), host="0.0.0.0", port=port, threads=2, ident="greenlight-health"
    )
    threading.Thread(target=server.run, name="health", daemon=True).start()
    log.info("health and metrics on port %s", port)
    return server
