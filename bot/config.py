"""The operator's configuration, from the environment or a .env file, validated once at start-up."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import load_dotenv

SLACK_API_DEFAULT = "https://slack.com/api/"
README_HINT = "see 'Create the Slack app' in README.md"


class ConfigError(Exception):
    """A missing or malformed setting; the message is one line that names it."""


@dataclass(frozen=True)
class Config:
    slack_bot_token: str
    slack_signing_secret: str
    slack_app_token: str | None
    database_url: str
    slack_api_url: str
    timezone: str
    port: int
    log_level: str
    scheduler: bool
    admins: frozenset[str]
    start_time: datetime | None = None  # GREENLIGHT_NOW: run as if the clock read this (rehearsals, tests)
    http_threads: int = 8  # GREENLIGHT_HTTP_THREADS: requests `python app.py` handles at once
    answer_processes: int = 2  # GREENLIGHT_ANSWER_PROCESSES: processes that answer what was acked (bot/answers.py)
    # Multi-workspace install (OAuth): both set, or neither (one workspace, SLACK_BOT_TOKEN).
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_redirect_uri: str | None = None  # SLACK_REDIRECT_URI: only if the app lists several redirect URLs
    uninstall_grace_days: int = 30  # GREENLIGHT_UNINSTALL_GRACE_DAYS: an uninstalled workspace's data is kept this long
    log_format: str = "text"  # LOG_FORMAT: "text" for people, "json" (one object a line) for log collectors
    contact: str = ""  # GREENLIGHT_CONTACT: who runs this Greenlight, shown on the web page
    health_port: int | None = None  # GREENLIGHT_HEALTH_PORT: /healthz, /readyz, /metrics in Socket Mode and clock

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    @property
    def oauth(self) -> bool:
        """Installed into several workspaces through Slack's OAuth flow, each with its own token."""
        return bool(self.slack_client_id)


def normalize_database_url(url: str) -> str:
    """Accept postgres:// and postgresql:// URLs and pick the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_config(env: dict[str, str] | None = None, *, require_slack: bool = True) -> Config:
    """Read and check every setting; raise ConfigError naming the first bad one."""
    if env is None:
        load_dotenv(os.path.join(os.getcwd(), ".env"))
        env = dict(os.environ)

    def get(name: str, default: str | None = None) -> str | None:
        value = env.get(name, "").strip()
        return value or default

    bot_token = get("SLACK_BOT_TOKEN")
    secret = get("SLACK_SIGNING_SECRET")
    app_token = get("SLACK_APP_TOKEN")
    client_id, client_secret = get("SLACK_CLIENT_ID"), get("SLACK_CLIENT_SECRET")
    if bool(client_id) != bool(client_secret):
        missing = "SLACK_CLIENT_SECRET" if client_id else "SLACK_CLIENT_ID"
        raise ConfigError(
            f"{missing} is not set: installing into several workspaces (OAuth) needs both "
            "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (see 'Install into several workspaces' in README.md)."
        )
    if client_id and app_token:
        raise ConfigError(
            "SLACK_APP_TOKEN is set with SLACK_CLIENT_ID: installing into several workspaces (OAuth) "
            "needs HTTP mode (Slack redirects browsers to /slack/oauth_redirect); unset SLACK_APP_TOKEN."
        )
    if require_slack and client_id:
        if not secret:
            raise ConfigError(f"SLACK_SIGNING_SECRET is not set: HTTP mode needs it ({README_HINT}).")
    elif require_slack:
        if not bot_token:
            raise ConfigError(f"SLACK_BOT_TOKEN is not set: put it in .env or the environment ({README_HINT}).")
        if not bot_token.startswith("xoxb-"):
            raise ConfigError("SLACK_BOT_TOKEN is malformed: a bot token starts with 'xoxb-'.")
        if app_token and not app_token.startswith("xapp-"):
            raise ConfigError("SLACK_APP_TOKEN is malformed: an app-level token starts with 'xapp-'.")
        if not app_token and not secret:
            raise ConfigError(f"SLACK_SIGNING_SECRET is not set: HTTP mode needs it ({README_HINT}).")

    database_url = get("DATABASE_URL", "sqlite:///greenlight.db")
    if not (database_url.startswith(("sqlite://", "postgres://", "postgresql://", "postgresql+psycopg://"))):
        raise ConfigError("DATABASE_URL is malformed: use sqlite:///path.db or postgresql://user@host/db.")

    api_url = get("SLACK_API_URL", SLACK_API_DEFAULT)
    if not api_url.startswith(("http://", "https://")):
        raise ConfigError("SLACK_API_URL is malformed: it must start with http:// or https://.")
    if not api_url.endswith("/"):
        api_url += "/"

    timezone = get("GREENLIGHT_TIMEZONE", "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # "Europe" is a directory: IsADirectoryError
        raise ConfigError(
            f"GREENLIGHT_TIMEZONE is malformed: {timezone!r} is not a time zone name such as Europe/Berlin."
        ) from None

    port_text = get("PORT", "3000")
    if not (port_text.isascii() and port_text.isdigit()) or not 0 < int(port_text) < 65536:  # "²".isdigit()
        raise ConfigError(f"PORT is malformed: {port_text!r} is not a port number.")

    log_level = get("LOG_LEVEL", "INFO").upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ConfigError(f"LOG_LEVEL is malformed: {log_level!r}; use DEBUG, INFO, WARNING or ERROR.")

    scheduler = get("GREENLIGHT_SCHEDULER", "on").lower()
    if scheduler not in ("on", "off"):
        raise ConfigError("GREENLIGHT_SCHEDULER is malformed: use on or off.")

    start_time = None
    if get("GREENLIGHT_NOW"):
        try:
            start_time = datetime.fromisoformat(get("GREENLIGHT_NOW"))
            if start_time.tzinfo is None:
                raise ValueError
        except ValueError:
            raise ConfigError(
                "GREENLIGHT_NOW is malformed: use an ISO time with its offset, e.g. 2026-12-07T09:00:00+00:00."
            ) from None

    threads_text = get("GREENLIGHT_HTTP_THREADS", "8")
    if not (threads_text.isascii() and threads_text.isdigit()) or not 1 <= int(threads_text) <= 64:
        raise ConfigError(f"GREENLIGHT_HTTP_THREADS is malformed: {threads_text!r}; use a number from 1 to 64.")

    answers_text = get("GREENLIGHT_ANSWER_PROCESSES", "2")
    if not (answers_text.isascii() and answers_text.isdigit()) or not 0 <= int(answers_text) <= 32:
        raise ConfigError(
            f"GREENLIGHT_ANSWER_PROCESSES is malformed: {answers_text!r}; use a number from 0 (answer in the web "
            "process) to 32."
        )

    grace_text = get("GREENLIGHT_UNINSTALL_GRACE_DAYS", "30")
    if not (grace_text.isascii() and grace_text.isdigit()) or not 0 <= int(grace_text) <= 3650:
        raise ConfigError(
            f"GREENLIGHT_UNINSTALL_GRACE_DAYS is malformed: {grace_text!r}; use a number of days from 0 to 3650."
        )

    redirect_uri = get("SLACK_REDIRECT_URI")
    if redirect_uri and not redirect_uri.startswith(("http://", "https://")):
        raise ConfigError(
            "SLACK_REDIRECT_URI is malformed: it must start with https:// (your public URL + /slack/oauth_redirect)."
        )
    log_format = get("LOG_FORMAT", "text").lower()
    if log_format not in ("text", "json"):
        raise ConfigError(f"LOG_FORMAT is malformed: {log_format[:20]!r}; use text or json.")

    health_text = get("GREENLIGHT_HEALTH_PORT", "off").lower()
    if health_text != "off" and (
        not (health_text.isascii() and health_text.isdigit()) or not 0 < int(health_text) < 65536
    ):
        raise ConfigError(f"GREENLIGHT_HEALTH_PORT is malformed: {health_text[:20]!r}; use a port number or off.")

    admins = frozenset(a.strip() for a in get("GREENLIGHT_ADMINS", "").split(",") if a.strip())
    return Config(
        slack_bot_token=bot_token or "",
        slack_signing_secret=secret or "",
        slack_app_token=app_token,
        database_url=normalize_database_url(database_url),
        slack_api_url=api_url,
        timezone=timezone,
        port=int(port_text),
        log_level=log_level,
        scheduler=scheduler == "on",
        admins=admins,
        start_time=start_time,
        http_threads=int(threads_text),
        answer_processes=int(answers_text),
        slack_client_id=client_id,
        slack_client_secret=client_secret,
        slack_redirect_uri=redirect_uri,
        uninstall_grace_days=int(grace_text),
        log_format=log_format,
        contact=get("GREENLIGHT_CONTACT", "") or "",
        health_port=None if health_text == "off" else int(health_text),
    )
