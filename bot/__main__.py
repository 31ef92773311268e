"""The operator CLI: python -m bot migrate | sweep | clock | summary --channel C | doctor | export | forget-user | rehearse."""

from __future__ import annotations

import argparse
import sys

from bot.config import ConfigError, load_config


def _date(text: str):
    """--since YYYY-MM-DD."""
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write it as YYYY-MM-DD") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Greenlight operator commands")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("sweep", help="do all work that is due now, once, then exit (for cron)")
    sub.add_parser("clock", help="run the scheduler alone (the Procfile's clock process)")
    sub.add_parser("doctor", help="check the token and scopes (each installation's), the database and the clock")
    summary = sub.add_parser("summary", help="print the weekly summary a channel would get now (no Slack needed)")
    summary.add_argument("--channel", required=True, help="channel id, e.g. C0123ABCD")
    summary.add_argument("--team", help="workspace id; defaults to the only workspace in the database")
    export = sub.add_parser("export", help="write a workspace's initiatives and approvals to stdout (CSV or JSON)")
    export.add_argument("--team", required=True, help="workspace id, e.g. T0123ABCD")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--since", type=_date, help="only initiatives registered on or after this date (YYYY-MM-DD)")
    forget = sub.add_parser("forget-user", help="replace a person's id everywhere by a stable pseudonym (erasure)")
    forget.add_argument("user", help="the person's Slack user id, e.g. U0123ABCD")
    rehearse = sub.add_parser(
        "rehearse",
        help="play a sample initiative over six weeks and print what each person "
        "would receive and when, sending nothing",
    )
    rehearse.add_argument("--team", help="workspace whose settings to use; defaults to the only one in the database")
    rehearse.add_argument("--owner", default="UOWNER", help="user id of the owner")
    rehearse.add_argument("--sponsor", default="USPONSOR", help="user id of the sponsor")
    rehearse.add_argument("--approvers", default="UAPPROVER1,UAPPROVER2", help="user ids, comma-separated")
    rehearse.add_argument(
        "--person",
        action="append",
        default=[],
        metavar="USER=Time/Zone[:HOLIDAYS]",
        help="a person's calendar, e.g. UPARIS=Europe/Paris:FR (otherwise as Greenlight knows them)",
    )
    rehearse.add_argument("--start", help="ISO moment to start from (default: now)")
    rehearse.add_argument("--weeks", type=int, default=6)
    args = parser.parse_args(argv)
    if args.command == "rehearse":
        from bot.rehearsal import person_option

        try:
            args.calendars = dict(person_option(p) for p in args.person)
        except ValueError as e:
            print(f"greenlight: {e}", file=sys.stderr)
            return 2
    try:
        config = load_config(
            require_slack=args.command not in ("migrate", "summary", "export", "forget-user", "rehearse")
        )
    except ConfigError as e:
        print(f"greenlight: {e}", file=sys.stderr)
        return 2
    from bot import logs

    logs.configure(config)

    from bot.runtime import Greenlight
    from storage.db import migrate
    from storage.models import Workspace

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

        gl.worker.start()  # retries that come due between sweeps go out within seconds
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
    if args.command == "export":
        from bot.services import export as records

        with gl.reading() as session:
            if session.get(Workspace, args.team) is None:
                print(f"greenlight: there is no workspace {args.team} in the database", file=sys.stderr)
                return 1
            records.write(records.pages(session, args.team, gl.clock.now(), since=args.since), args.format, sys.stdout)
        return 0
    if args.command == "forget-user":
        from bot.services.retention import forget, pseudonym

        changed = gl.act(lambda s, now: forget(s, args.user, now, config.slack_signing_secret))
        alias = pseudonym(args.user, config.slack_signing_secret)
        if not changed:
            print(f"greenlight: nothing stored mentions {args.user}; nothing changed")
            return 0
        print(
            f"greenlight: {args.user} is now {alias} in {sum(changed.values())} rows of "
            f"{len(changed)} workspace(s); their cached profile is removed"
        )
        return 0
    if args.command == "doctor":
        from bot.doctor import doctor

        return doctor(gl)
    if args.command == "rehearse":
        from bot.rehearsal import from_operator

        print(from_operator(gl, args))
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
