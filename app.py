"""Starts Greenlight: settings, database, the Bolt app, the scheduler, and HTTP or Socket Mode."""
from __future__ import annotations

import logging
import sys

from bot.config import ConfigError, load_settings


def create(settings=None):
    """Build the running parts; migrations are applied here for SQLite."""
    from bot.runtime import Greenlight
    from bot.slack_app import build_app
    from storage.db import migrate

    settings = settings or load_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    gl = Greenlight(settings)
    if gl.engine.dialect.name == "sqlite":
        migrate(gl.engine)
        gl.engine.dispose()  # no connection is inherited by gunicorn's forked workers (--preload)
    return gl, build_app(gl)


def wsgi():
    """The WSGI callable for gunicorn (`gunicorn 'app:wsgi()'`); no scheduler runs in web workers."""
    from slack_bolt.adapter.wsgi import SlackRequestHandler

    gl, bolt = create()
    gl.worker.enable()  # started by the first request of each forked worker, never in the --preload parent
    return SlackRequestHandler(bolt)


def main() -> int:
    try:
        settings = load_settings()
    except ConfigError as e:
        print(f"greenlight: {e}", file=sys.stderr)
        return 2
    gl, bolt = create(settings)
    gl.worker.start()  # delivery runs beside the requests, never inside them
    if settings.scheduler:
        from bot.jobs import start_scheduler

        start_scheduler(gl)
    if settings.socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler
        from slack_sdk import WebClient

        client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
        SocketModeHandler(bolt, settings.slack_app_token, web_client=client).start()
    else:
        bolt.start(port=settings.port, path="/slack/events", http_server_logger_enabled=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
