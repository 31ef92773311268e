"""Starts Greenlight: config, database, the Bolt app, the scheduler, and HTTP or Socket Mode."""

from __future__ import annotations

import gc
import sys

from bot.config import ConfigError, load_config


def serving() -> None:
    """The interpreter tuned for answering requests once the app is built (bench/reads.py, BENCHMARKS.md)."""
    # Acks are short and the replies they race with are long: hand the GIL over every millisecond rather than every
    # 5 ms, so that an ack waits less behind the threads building long replies.
    sys.setswitchinterval(0.001)
    # What the app holds from its start (modules, catalogs, compiled statements) is never garbage: the collector
    # skips it, so a full collection scans only what requests made. A request makes thousands of short-lived objects
    # (rows, blocks): collecting the youngest every 10,000 allocations rather than 700 halves the CPU of a `mine`.
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


def create(config=None):
    """Build the running parts; migrations are applied here for SQLite."""
    from bot import i18n, logs
    from bot.runtime import Greenlight
    from bot.slack_app import build_app
    from storage.db import migrate

    config = config or load_config()
    logs.configure(config)
    i18n.compile_all()
    gl = Greenlight(config)
    if gl.engine.dialect.name == "sqlite":
        migrate(gl.engine)
        gl.engine.dispose()  # no connection is inherited by gunicorn's forked workers (--preload)
    return gl, build_app(gl)


def wsgi():
    """The WSGI callable for gunicorn (`gunicorn 'app:wsgi()'`); no scheduler runs in web workers."""
    from bot.web import wsgi_app

    gl, bolt = create()
    gl.worker.enable()  # started by the first request of each forked worker, never in the --preload parent
    serving()  # in the --preload parent: the forked workers (and answer processes) inherit it
    gl.answers.start(bolt, gl)  # before gunicorn forks its workers: they all hand answers to this pool
    return wsgi_app(bolt, gl)


def serve_health(gl) -> None:
    """Socket Mode has no HTTP port of its own: /healthz, /readyz and /metrics go on GREENLIGHT_HEALTH_PORT, if set."""
    if gl.config.health_port:
        from bot.ops_web import serve_in_background

        serve_in_background(gl, gl.config.health_port)


def main() -> int:
    try:
        config = load_config()
    except ConfigError as e:
        print(f"greenlight: {e}", file=sys.stderr)
        return 2
    gl, bolt = create(config)
    serving()
    gl.answers.start(bolt, gl)  # forked before any thread starts
    gl.worker.start()  # delivery runs beside the requests, never inside them
    if config.scheduler:
        from bot.jobs import start_scheduler

        start_scheduler(gl)
    if config.socket_mode:
        serve_health(gl)
        from slack_bolt.adapter.socket_mode import SocketModeHandler
        from slack_sdk import WebClient

        client = WebClient(token=config.slack_bot_token, base_url=config.slack_api_url)
        SocketModeHandler(bolt, config.slack_app_token, web_client=client).start()
    else:
        from bot.web import serve

        serve(bolt, port=config.port, threads=config.http_threads, gl=gl)
    return 0


if __name__ == "__main__":
    sys.exit(main())
