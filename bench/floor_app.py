"""The floor of bench/reads.py: a bare Bolt app that answers the signed /greenlight command with ack() and a
one-line respond(), served like Greenlight: by waitress through bot.web.serve (GREENLIGHT_HTTP_THREADS threads), or
by gunicorn as the Procfile serves app.py (`gunicorn … 'bench.floor_app:wsgi()'`).
Environment: SLACK_SIGNING_SECRET, SLACK_API_URL, PORT."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from slack_bolt import App  # noqa: E402
from slack_sdk import WebClient  # noqa: E402

from bot.web import serve, wsgi_app  # noqa: E402


def bare() -> App:
    client = WebClient(token="xoxb-test", base_url=os.environ["SLACK_API_URL"])
    app = App(signing_secret=os.environ["SLACK_SIGNING_SECRET"], client=client, token_verification_enabled=False)

    @app.command("/greenlight")
    def greenlight(ack, respond):
        ack()
        respond("ok")

    return app


def wsgi():
    """The WSGI callable, for gunicorn."""
    return wsgi_app(bare())


def main() -> None:
    serve(bare(), port=int(os.environ["PORT"]), threads=int(os.environ.get("GREENLIGHT_HTTP_THREADS", "8")))


if __name__ == "__main__":
    main()
