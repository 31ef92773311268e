"""Everything a running Greenlight needs, built once: config, clock, database, Slack clients, sender."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from typing import TypeVar

from slack_sdk import WebClient

from bot import home_refresh, logs
from bot.clock import Clock, ShiftedClock
from bot.config import Config
from bot.delivery import Sender
from storage.db import make_engine, make_sessionmaker, transaction

T = TypeVar("T")
log = logging.getLogger(__name__)


class Greenlight:
    """The application's shared parts; listeners and jobs receive it."""

    def __init__(self, config: Config, *, clock: Clock | None = None, engine=None, sleep=time.sleep):
        self.config = config
        self.clock = clock or (ShiftedClock(config.start_time) if config.start_time else Clock())
        self.engine = engine or make_engine(config.database_url)
        self.sessions = make_sessionmaker(self.engine)
        self.read_sessions = make_sessionmaker(self.engine.execution_options(greenlight_read_only=True))
        # The sender's client must not retry behind the delivery engine's back.
        self.sender_client = WebClient(token=config.slack_bot_token, base_url=config.slack_api_url, retry_handlers=[])
        self.client = WebClient(token=config.slack_bot_token, base_url=config.slack_api_url)
        self.sender = Sender(self.sessions, self.sender_client, self.clock, sleep=sleep)
        self._homes_due: set[int] = set()  # initiatives changed since the last delivery (see bot/home_refresh.py)
        self._home_notices: dict[tuple[str, str], str] = {}  # answers to clicks on a Home, shown on top of it
        self._homes_lock = threading.Lock()

    @contextmanager
    def transaction(self):
        """A session that commits or rolls back; the Homes of people a committed change concerns go stale."""
        with transaction(self.sessions) as session:
            yield session
        touched = session.info.get("touched")
        if touched:
            with self._homes_lock:
                self._homes_due.update(touched)

    @contextmanager
    def reading(self):
        """A session for reads only: on SQLite it does not take the write lock, so it never blocks a writer."""
        with transaction(self.read_sessions) as session:
            yield session

    def act(self, work: Callable[..., T]) -> T:
        """Run `work(session, now)` in one transaction; what it queued is sent by the next deliver()."""
        with self.transaction() as session:
            return work(session, self.clock.now())

    def deliver(self) -> None:
        """Send due outbox messages now; what fails stays queued for the next sweep."""
        try:
            with logs.concerning():  # the sender tags lines with the message it sends; the tags end here
                self.sender.deliver_due()
        except Exception:  # the sweep retries; the caller's change is already safe
            log.exception("delivery failed; the next sweep will retry")
        self.refresh_homes()

    def deliver_soon(self) -> None:
        """What a request calls once it has replied: the messages it queued go out without the request waiting."""
        self.deliver()

    def notice_on_home(self, team_id: str, user_id: str, notice: str) -> None:
        """Show this answer on top of the person's Home when it is next refreshed (by deliver())."""
        with self._homes_lock:
            self._home_notices[(team_id, user_id)] = notice

    def refresh_homes(self) -> None:
        """Republish the App Homes that changes since the last call made stale; failures are only logged."""
        with self._homes_lock:
            due, self._homes_due = self._homes_due, set()
            notices, self._home_notices = self._home_notices, {}
        if due or notices:
            home_refresh.refresh(self, due, notices)
