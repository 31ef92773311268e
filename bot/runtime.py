"""Everything a running Greenlight needs, built once: config, clock, database, Slack clients, sender."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from typing import TypeVar

from slack_sdk import WebClient

from bot import home_refresh, logs
from bot.answers import Answers
from bot.clock import Clock, ShiftedClock
from bot.config import Config
from bot.delivery import Sender
from storage.db import make_engine, make_sessionmaker, transaction

T = TypeVar("T")
log = logging.getLogger(__name__)


class Greenlight:
    """The application's shared parts; listeners and jobs receive it."""

    def __init__(
        self, config: Config, *, clock: Clock | None = None, engine=None, sleep=time.sleep, slack_timeout: float = 30.0
    ):
        self.config = config
        self.clock = clock or (ShiftedClock(config.start_time) if config.start_time else Clock())
        self.engine = engine or make_engine(config.database_url)
        self.sessions = make_sessionmaker(self.engine)
        self.read_sessions = make_sessionmaker(self.engine.execution_options(greenlight_read_only=True))
        # The sender's client must not retry behind the delivery engine's back, and its timeout bounds how long a
        # send can stay unanswered (bot.delivery.LEASE must outlast it by far). In OAuth mode these two carry no
        # token: Bolt gives each request a client with its workspace's, and client_for() serves everything else.
        self.slack_timeout = slack_timeout
        token = None if config.oauth else config.slack_bot_token  # OAuth: a SLACK_BOT_TOKEN left set is not used
        self.sender_client = WebClient(
            token=token, base_url=config.slack_api_url, retry_handlers=[], timeout=slack_timeout
        )
        self.client = WebClient(token=token, base_url=config.slack_api_url)
        self.installations = None
        if config.oauth:
            from bot.installations import Installations

            self.installations = Installations(self)
        self.sender = Sender(self.sessions, self.sender_client_for, self.clock, sleep=sleep)
        self._homes_due: set[int] = set()  # initiatives changed since the last delivery (see bot/home_refresh.py)
        self._home_notices: dict[tuple[str, str], str] = {}  # answers to clicks on a Home, shown on top of it
        self._homes_lock = threading.Lock()
        self.members_cache: dict[tuple[str, str], tuple[float, frozenset[str]]] = {}  # bot/flows/visibility.py
        self.worker = DeliveryWorker(self.deliver, self.sender.pacer.next_hold_end)
        self.answers = Answers(config.answer_processes)  # started by app.py, where requests are served

    def client_for(self, team_id: str) -> WebClient:
        """The Web API client that speaks for this workspace outside a request (jobs, App Home refresh, doctor).

        One workspace: the SLACK_BOT_TOKEN client. OAuth: a client with the workspace's installation token (its own or
        its organisation's); without an installation it has no token, and Slack answers not_authed."""
        if self.installations is None:
            return self.client
        return WebClient(token=self.installations.bot_token(team_id), base_url=self.config.slack_api_url)

    def sender_client_for(self, team_id: str) -> WebClient:
        """client_for(), for the sender: a client that does not retry behind the delivery engine's back."""
        if self.installations is None:
            return self.sender_client
        return WebClient(
            token=self.installations.bot_token(team_id),
            base_url=self.config.slack_api_url,
            retry_handlers=[],
            timeout=self.slack_timeout,
        )

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
        """What a request calls once it has replied: wake the delivery worker, never wait for Slack."""
        self.worker.wake()

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


class DeliveryWorker:
    """A thread of its own that runs deliver() when woken and every POLL seconds, so that requests
    never wait for Slack and retries that come due are sent without waiting for the next sweep.

    Off until enabled: start() runs it now; enable() lets the first wake() in each process start it, for
    a web server that forks after loading the app (gunicorn --preload: no thread may run before the fork).
    Without either (tests), wake() does nothing and whoever queued calls deliver() itself."""

    POLL = 5.0

    def __init__(self, deliver: Callable[[], None], next_hold_end: Callable[[], float | None] = lambda: None):
        self._deliver = deliver
        self._next_hold_end = next_hold_end  # messages left for a workspace's 429 hold go out as soon as it ends
        self._wakeup = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()
        self.enabled = False

    def enable(self) -> None:
        """Start on the first wake() of each process."""
        self.enabled = True

    def start(self) -> None:
        """Start the thread in this process, unless it runs already."""
        self.enabled = True
        with self._lock:
            if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
                return
            self._stopping.clear()
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="greenlight-delivery", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        """Deliver soon: what a request queued goes out without the request waiting for it."""
        if self.enabled:
            self.start()
            self._wakeup.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._wakeup.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stopping.is_set():
            hold_end = self._next_hold_end()
            self._wakeup.wait(self.POLL if hold_end is None else min(self.POLL, hold_end + 0.05))
            self._wakeup.clear()
            if self._stopping.is_set():
                return
            try:
                self._deliver()
            except Exception:  # the next round retries; the thread must outlive any failure
                log.exception("delivery round failed")
