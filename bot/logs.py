"""How the process logs: plain lines for people, or LOG_FORMAT=json (one object a line, with the team, initiative and
outbox key the line is about); secrets are masked in both."""

from __future__ import annotations

import json
import logging
import re
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Slack tokens (bot, user, app-level, refresh, configuration) wherever they appear in a message or a traceback.
TOKEN = re.compile(r"\b(xox[abposer]|xapp|xoxe\.xox[bp])-[A-Za-z0-9-]+")
MASK = "[redacted]"

# What the current request or message is about; set by the request middleware and the sender.
_about: ContextVar[dict[str, str]] = ContextVar("greenlight_log_about", default={})  # noqa: B039 (replaced, never mutated)


def about(**fields) -> None:
    """Tag later lines of this thread with these fields (team, initiative, outbox_key); None values are dropped."""
    _about.set({**_about.get(), **{k: str(v) for k, v in fields.items() if v is not None}})


@contextmanager
def concerning(**fields):
    """Tag the lines logged inside the block, and only those."""
    token = _about.set({**_about.get(), **{k: str(v) for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _about.reset(token)


class _Masking(logging.Formatter):
    def __init__(self, secrets: tuple[str, ...] = (), **kwargs):
        super().__init__(**kwargs)
        self.secrets = tuple(s for s in secrets if s and len(s) >= 8)

    def mask(self, text: str) -> str:
        text = TOKEN.sub(MASK, text)
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text


class TextFormatter(_Masking):
    def __init__(self, secrets: tuple[str, ...] = ()):
        super().__init__(secrets, fmt=TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        return self.mask(super().format(record))


class JsonFormatter(_Masking):
    """One JSON object per line: time, level, logger, message, the context fields, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self.mask(record.getMessage()),
            **_about.get(),
        }
        for field in ("team", "initiative", "outbox_key"):  # extra={"team": ...} on a single call wins
            if hasattr(record, field):
                line[field] = str(getattr(record, field))
        if record.exc_info:
            line["error"] = self.mask(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


def configure(config) -> None:
    """Log in the chosen format, masking this config's secrets; like logging.basicConfig, nothing changes when the
    root logger already has handlers (a host such as pytest configured logging first)."""
    secrets = (
        config.slack_bot_token,
        config.slack_signing_secret,
        config.slack_app_token or "",
        getattr(config, "slack_client_secret", "") or "",
    )
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(secrets) if config.log_format == "json" else TextFormatter(secrets))
    logging.basicConfig(level=config.log_level, handlers=[handler])
