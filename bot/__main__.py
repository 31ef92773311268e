"""The operator CLI: python -m bot migrate | sweep | clock | summary --channel C | doctor."""
from __future__ import annotations

import argparse
import sys

from bot.config import ConfigError, load_config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Greenlight operator commands")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("sweep", help="do all work that is due now, once, then exit (for cron)")
    sub.add_parser("clock", help="run the scheduler alone (the Procfile's clock process)")
    sub.add_parser("doctor", help="check the token, scopes and database")
    summary = sub.add_parser("summary", help="print the weekly summary a channel would get now (no Slack needed)")
    summary.add_argument("--channel", required=True, help="channel id, e.g. C0123ABCD")
    summary.add_argument("--team", help="workspace id; defaults to the only workspace in the database")
    args = parser.parse_args(argv)
    try:
        config = load_config(require_slack=args.command not in ("migrate", "summary"))
    except ConfigError as e:
        print(f"greenlight: {e}", file=sys.stderr)
        return 2
    from bot import logs

    logs.configure(config)

    from bot.runtime import Greenlight
    from storage.db import migrate

    gl = Greenlight(config)
    if args.command == "migrate":
        migrate(gl.engine)
        print("greenlight: database is up to date")
        return 0
    if gl.engine.dialect.name == "sqlite":
        migrate(gl.engine)
    if args.command == "sweep":
        from bot.jobs import sweep

        sweep(gl)
        return 0
    if args.command == "clock":
        from bot.jobs import start_scheduler

        if config.health_port:  # /healthz, /readyz and /metrics of the clock process
            from bot.ops_web import serve_in_background

            serve_in_background(gl, config.health_port)
        start_scheduler(gl, blocking=True)
        return 0
    if args.command == "summary":
        from bot.services import Refusal
        from bot.services.summary import operator_text

        try:
            print(gl.act(lambda s, now: operator_text(s, args.channel, args.team, now)))
        except Refusal as e:
            print(f"greenlight: {e}", file=sys.stderr)
            return 1
        return 0
    if args.command == "doctor":
        from bot.doctor import doctor

        return doctor(gl)
    return 1


if __name__ == "__main__":
    sys.exit(main())
