"""Everything a running Greenlight needs, built once: settings, clock, database, Slack clients, sender."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from slack_sdk import WebClient

from bot.clock import Clock, ShiftedClock
from bot.config import Settings
from bot.delivery import Sender
from storage.db import make_engine, make_sessionmaker, transaction

T = TypeVar("T")
log = logging.getLogger(__name__)


class Greenlight:
    """The application's shared parts; listeners and jobs receive it."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None, engine=None, sleep=time.sleep):
        self.settings = settings
        self.clock = clock or (ShiftedClock(settings.start_time) if settings.start_time else Clock())
        self.engine = engine or make_engine(settings.database_url)
        self.sessions = make_sessionmaker(self.engine)
        # The sender's client must not retry behind the delivery engine's back.
        self.sender_client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, retry_handlers=[])
        self.client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
        self.sender = Sender(self.sessions, self.sender_client, self.clock, sleep=sleep)

    def transaction(self):
        return transaction(self.sessions)

    def act(self, work: Callable[..., T], *, deliver: bool = True) -> T:
        """Run `work(session, now)` in one transaction, then send what it queued."""
        with self.transaction() as session:
            result = work(session, self.clock.now())
        if deliver:
            self.deliver()
        return result

    def deliver(self) -> None:
        """Send due outbox messages now; what fails stays queued for the next sweep."""
        try:
            self.sender.deliver_due()
        except Exception:  # the sweep retries; the caller's change is already safe
            log.exception("delivery failed; the next sweep will retry")
