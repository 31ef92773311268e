"""Sending the outbox: claim due messages, send each once, classify Slack's answer, record the result.

- Fencing. A sender claims a batch under a claim token and a LEASE, renewed while it works through the
  batch. Right before each post, one UPDATE compares the token, renews the lease and marks the message
  as being sent (`channel` set, `ts` still empty). A sender whose claim was taken over anyway (it
  stalled past the lease) finds the token changed and skips the message instead of sending it again.
- Reconciliation. Every post carries Slack message metadata naming its outbox key. A message marked as
  being sent that has no recorded answer (a timeout, a 5xx, a crash between send and record) is looked
  up in its conversation (conversations.history / .replies with include_all_metadata) before it is
  sent again, and recorded as sent when Slack already has it.
- Classification of every answer: retry with backoff (5xx, network errors, timeouts, transient ok:false
  errors), wait (429 Retry-After), recipient unreachable (the owner is told, no retry loop), or our token
  refused (the workspace's delivery pauses, every message stays queued, auth.test resumes it).

- Pace. Claimed messages go out from THREADS threads at once, one lane per conversation (recipient), so that no
  two messages of a conversation are in flight together and each conversation gets its messages in claim order
  (oldest due first); a batch of fewer than PARALLEL_FROM conversations goes out from one thread, in claim order.
  Every send first waits for its workspace's turn (bot/pace.py): a pace shared by the threads
  that halves at a 429 and holds the workspace for its Retry-After.

The duplicate window left: Slack storing a post only after we looked for it (it accepted the request,
answered after the client timeout, and had not stored it by the time of the lookup), and a sender frozen
for longer than LEASE between its fenced mark and its post. Both are measured by tests/test_delivery_faults.py.
"""

from __future__ import annotations

import base64
import http.client
import logging
import threading
import time
import urllib.error
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import exists, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from bot import logs, metrics, notices
from bot.pace import Pacer
from bot.services import record
from bot.services.installs import still_installed
from bot.services.outbox import enqueue
from bot.services.workspaces import Calendars
from storage.db import make_sessionmaker, transaction
from storage.models import Initiative, OutboxMessage, Workspace

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)  # a claim, renewed at every send; must outlast the client's timeout by far
BATCH = 100
THREADS = 6  # messages in flight at once, to different conversations
PARALLEL_FROM = 8  # conversations in a batch from which it goes out in THREADS threads; fewer go out one by one
INLINE_WAIT_MAX = 10.0  # seconds we wait in place for a 429 or a backoff before rescheduling
INLINE_TRIES = 4
AUTH_CHECK_EVERY = timedelta(minutes=1)  # how often a paused workspace's token is tried again
EVENT_TYPE = "greenlight_outbox"  # the metadata event_type of every post; its payload names the outbox key
HISTORY_LOOKUP = 200  # newest messages of a conversation searched for an uncertain post

TRANSIENT = {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
TOKEN_BROKEN = {"invalid_auth", "token_revoked", "not_authed", "account_inactive"}  # the bot's token, not the recipient
UNREACHABLE = {
    "channel_not_found",
    "user_not_found",
    "users_not_found",
    "not_in_channel",
    "is_archived",
    "cannot_dm_bot",
    "user_disabled",
    "messages_tab_disabled",
    "restricted_action",
}
NETWORK_ERRORS = (urllib.error.URLError, OSError, http.client.HTTPException)


@dataclass(frozen=True)
class Verdict:
    """What one Slack failure means for the message: retry, wait, unreachable, token, or failed."""

    kind: str
    error: str
    wait: float = 0.0
    uncertain: bool = False  # Slack may have posted it anyway: look before posting again


def backoff(attempt: int) -> float:
    return min(2.0 ** (attempt - 1), 3600.0)


def classify(exc: Exception, attempt: int) -> Verdict:
    """Sort a failed Slack call into what to do about it."""
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        if status == 429:
            headers = exc.response.headers or {}
            return Verdict("wait", "ratelimited", float(headers.get("Retry-After", headers.get("retry-after", 1))))
        if status >= 500 or status == 408:
            return Verdict("retry", f"http {status}", backoff(attempt), uncertain=True)
        error = (exc.response.get("error") if status == 200 else None) or f"http {status}"
        if error in TRANSIENT:
            return Verdict("retry", error, backoff(attempt))
        if error in TOKEN_BROKEN:
            return Verdict("token", error)
        return Verdict("unreachable" if error in UNREACHABLE else "failed", error)
    return Verdict("retry", f"network: {exc}", backoff(attempt), uncertain=True)  # may have reached Slack


@dataclass(frozen=True)
class Send:
    """One message, marked as being sent by its claim, with what is needed to post or look it up."""

    id: int
    team_id: str
    key: str
    method: str
    payload: dict
    recipient: str
    thread: tuple[str, str] | None  # (channel, ts) of the message it replies under or updates
    look_first: bool  # an earlier post may have reached Slack


class Sender:
    """Delivers outbox messages once, waiting out 429s, retrying 5xx and network errors, pausing on a broken token."""

    def __init__(
        self, sessions, client_for: Callable[[str], WebClient], clock, sleep=time.sleep, threads: int = THREADS
    ):
        self.sessions = sessions
        # Looking for due work reads only: on SQLite an idle check must not take the write lock from requests.
        self.read_sessions = make_sessionmaker(sessions.kw["bind"].execution_options(greenlight_read_only=True))
        self.client_for = client_for  # team id -> a client with that workspace's token (gl.sender_client_for)
        self.clock = clock
        self.sleep = sleep
        self.threads = threads
        self.parallel_from = PARALLEL_FROM
        self.pacer = Pacer(lambda: self.clock.now().timestamp(), sleep=sleep)
        self._auth_checked: dict[str, datetime] = {}
        self._run_lock = threading.Lock()  # one run at a time: the lanes of two could share a conversation
        self._pool: ThreadPoolExecutor | None = None

    def deliver_due(self, *, team_id: str | None = None) -> int:
        """Send every message due now; returns how many were sent. While another run of this sender goes on (the
        delivery worker's, a sweep's), it returns 0 at once: that run claims until nothing is due, and a sweep
        must not wait for a burst to go out at Slack's pace."""
        if not self._run_lock.acquire(blocking=False):
            return 0
        try:
            self.resume_paused()
            sent = 0
            while True:
                token = uuid.uuid4().hex
                claimed = self._claim(team_id, token)
                if not claimed:
                    return sent
                sent += self._deliver_batch(claimed, token)
        finally:
            self._run_lock.release()

    def _deliver_batch(self, claimed: list[tuple[int, str, bool]], token: str) -> int:
        """Send a claimed batch, each conversation's messages in order in a lane of their own, lanes in parallel.
        Messages that reply under or update another go last, in claim order, once the lanes have sent their targets."""
        lanes: dict[str, list[int]] = {}
        after = []
        for msg_id, recipient, targeted in claimed:
            (after if targeted else lanes.setdefault(recipient, [])).append(msg_id)
        ids = [msg_id for msg_id, _, _ in claimed]
        lease = {"renewed": self.clock.now()}
        lease_lock = threading.Lock()

        def run(lane: list[int]) -> int:
            sent = 0
            for msg_id in lane:
                with lease_lock:
                    if self.clock.now() - lease["renewed"] > LEASE / 2:  # a slow batch keeps what it has not sent
                        lease["renewed"] = self._renew(ids, token)
                sent += self._deliver(msg_id, token)
            return sent

        if self.threads > 1 and len(lanes) >= max(2, self.parallel_from):
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="greenlight-send")
            sent = sum(self._pool.map(run, lanes.values()))
        else:
            sent = sum(run(lane) for lane in lanes.values())
        return sent + run(after)

    # ---- claims --------------------------------------------------------------------------------

    def _claim(self, team_id: str | None, token: str) -> list[tuple[int, str, bool]]:
        """Claim a batch, oldest due first: (id, recipient, replies under or updates another message)."""
        now = self.clock.now()
        query = (
            select(OutboxMessage.id, OutboxMessage.recipient, OutboxMessage.target_key)
            .where(
                OutboxMessage.status == "pending",
                OutboxMessage.next_attempt_at <= now,
                or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
                ~_paused(),
                still_installed(OutboxMessage.team_id),
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        )
        if team_id:
            query = query.where(OutboxMessage.team_id == team_id)
        with transaction(self.read_sessions) as session:  # most wake-ups find nothing: no lock for that
            for team, rate, until in session.execute(
                select(Workspace.team_id, Workspace.pace_rate, Workspace.pace_held_until).where(
                    Workspace.pace_held_until > now
                )
            ):
                self.pacer.learn(team, rate, until.timestamp())  # another sender's 429 holds us too
            held = self.pacer.held_longer_than(INLINE_WAIT_MAX)  # left for when their workspace's 429 is over
            if held:
                query = query.where(OutboxMessage.team_id.not_in(held))
            if session.execute(query.limit(1)).first() is None:
                return []
        with transaction(self.sessions) as session:
            query = query.limit(BATCH).with_for_update(skip_locked=True)
            rows = [(msg_id, recipient, target is not None) for msg_id, recipient, target in session.execute(query)]
            if rows:
                session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_([r[0] for r in rows]))
                    .values(claimed_until=now + LEASE, claim_token=token)
                )
            return rows

    def _share_pace(self, team_id: str) -> None:
        """Tell the other senders (other processes) the workspace's pace and hold after a 429; only a longer hold
        than the one recorded replaces it. A failure here only leaves them to learn it from their own 429s."""
        rate, held_until = self.pacer.shared(team_id)
        until = datetime.fromtimestamp(held_until, UTC)
        try:
            with transaction(self.sessions) as session:
                session.execute(
                    update(Workspace)
                    .where(
                        Workspace.team_id == team_id,
                        or_(Workspace.pace_held_until.is_(None), Workspace.pace_held_until < until),
                    )
                    .values(pace_rate=rate, pace_held_until=until)
                )
        except SQLAlchemyError:
            log.exception("could not share the pace of workspace %s", team_id)

    def _renew(self, claimed: list[int], token: str) -> datetime:
        """Extend the lease of every message of our claim not yet sent; the fence still guards each send."""
        now = self.clock.now()
        with transaction(self.sessions) as session:
            session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id.in_(claimed), OutboxMessage.claim_token == token, OutboxMessage.status == "pending"
                )
                .values(claimed_until=now + LEASE)
                .execution_options(synchronize_session=False)
            )
        return now

    def _mark(self, msg_id: int, token: str) -> Send | None:
        """Check that our claim still holds and mark the message as being sent; None: not ours to send now."""
        now = self.clock.now()
        with transaction(self.sessions) as session:
            msg = session.get(OutboxMessage, msg_id)
            if msg is None or msg.claim_token != token or msg.status != "pending":
                return None
            logs.about(team=msg.team_id, initiative=msg.initiative_id, outbox_key=msg.key)
            target = None
            if msg.target_key:
                target = session.scalar(
                    select(OutboxMessage).where(
                        OutboxMessage.team_id == msg.team_id, OutboxMessage.key == msg.target_key
                    )
                )
                # A message combined into a day's DM was never sent as such: that DM is updated on its own.
                if target is None or target.status in ("undeliverable", "failed", "skipped", "combined"):
                    msg.status, msg.claimed_until, msg.claim_token = "skipped", None, None
                    msg.error = "target message was never delivered"
                    metrics.delivered("skipped")
                    return None
                if target.status != "sent":
                    msg.claimed_until, msg.claim_token, msg.next_attempt_at = None, None, now + timedelta(seconds=30)
                    return None
            look_first = msg.channel is not None and msg.method == "chat.postMessage"
            where = target.channel if target is not None else msg.recipient
            # The fence: in the same statement, our token must still be the claim, the workspace not paused.
            marked = session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == msg_id,
                    OutboxMessage.claim_token == token,
                    OutboxMessage.status == "pending",
                    ~_paused(),
                )
                .values(channel=where, claimed_until=now + LEASE)
                .execution_options(synchronize_session=False)
            ).rowcount
            if not marked:
                return None
            return Send(
                msg.id,
                msg.team_id,
                msg.key,
                msg.method,
                dict(msg.payload),
                msg.recipient,
                (target.channel, target.ts) if target is not None else None,
                look_first,
            )

    # ---- one message ---------------------------------------------------------------------------

    def _deliver(self, msg_id: int, token: str) -> int:
        joined = False
        for attempt in range(1, INLINE_TRIES + 1):
            send = self._mark(msg_id, token)
            if send is None:
                return 0
            # The workspace's turn; a retry is spaced by its backoff already. False: held by a long 429.
            if not self.pacer.wait_turn(send.team_id, INLINE_WAIT_MAX, send.recipient, paced=attempt == 1):
                return self._release(msg_id, token, keep_mark=send.look_first)
            looked = not send.look_first
            try:
                found = None if looked else self._find_posted(send)
                looked = True
                response = found or self._post(send)
            except (SlackApiError, *NETWORK_ERRORS) as e:
                verdict = classify(e, attempt)
                if not looked:  # the earlier post is still unaccounted for: look again next time
                    verdict = Verdict(verdict.kind, verdict.error, verdict.wait, uncertain=True)
            else:
                if found:
                    log.info("message %s (%s) was already in Slack: recorded, not sent again", msg_id, send.key)
                return self._record_sent(msg_id, response)
            if verdict.kind == "wait":  # everyone sending to this workspace waits, and slower from now on
                self.pacer.slow_down(
                    send.team_id,
                    send.recipient,
                    verdict.wait,
                    retry_first=verdict.wait <= INLINE_WAIT_MAX and attempt < INLINE_TRIES,
                )
                self._share_pace(send.team_id)
            if verdict.kind == "token":
                return self._pause(msg_id, token, verdict.error)
            if (
                verdict.kind == "unreachable"
                and verdict.error == "not_in_channel"
                and not joined
                and send.recipient[:1] == "C"
            ):
                joined = True
                if self._join(send.team_id, send.recipient):
                    continue
            if verdict.kind in ("unreachable", "failed"):
                return self._give_up(msg_id, verdict.error, unreachable=verdict.kind == "unreachable")
            metrics.retried(metrics.retry_reason(verdict.error))
            log.warning("message %s: %s, retrying in %.0fs", msg_id, verdict.error, verdict.wait)
            if verdict.wait > INLINE_WAIT_MAX or attempt == INLINE_TRIES:
                return self._reschedule(msg_id, token, verdict)
            if not verdict.uncertain:
                self._forget_attempt(msg_id, token)
            if verdict.kind != "wait":  # a 429's wait is the workspace's hold, waited at the next turn
                self.sleep(verdict.wait)
        return 0

    def _post(self, send: Send):
        payload, client = dict(send.payload), self.client_for(send.team_id)
        if send.method == "files.upload":  # a file (the monthly chart) in the thread of the message it belongs to
            channel, ts = send.thread
            return client.files_upload_v2(
                channel=channel,
                thread_ts=ts,
                content=base64.b64decode(payload["png"]),
                filename=payload["filename"],
                title=payload["title"],
                alt_txt=payload["alt_txt"],
            )
        if send.method == "chat.update":
            channel, ts = send.thread
            return client.chat_update(channel=channel, ts=ts, **payload)
        payload["metadata"] = {"event_type": EVENT_TYPE, "event_payload": {"key": send.key}}
        if send.thread is not None:
            return client.chat_postMessage(channel=send.thread[0], thread_ts=send.thread[1], **payload)
        channel = _conversation(client, send.recipient) if "," in send.recipient else send.recipient
        return client.chat_postMessage(channel=channel, unfurl_links=False, unfurl_media=False, **payload)

    def _find_posted(self, send: Send) -> dict | None:
        """Slack's copy of this message, if an earlier post reached it: {channel, ts}; None if not there."""
        client = self.client_for(send.team_id)
        try:
            if send.thread is not None:
                channel = send.thread[0]
                found = client.conversations_replies(
                    channel=channel, ts=send.thread[1], include_all_metadata=True, limit=HISTORY_LOOKUP
                )
            else:
                channel = _conversation(client, send.recipient)
                found = client.conversations_history(channel=channel, include_all_metadata=True, limit=HISTORY_LOOKUP)
        except SlackApiError as e:
            verdict = classify(e, 1)
            if verdict.kind in ("retry", "wait", "token"):
                raise
            # We cannot look (e.g. missing_scope for history): posting again is at-least-once, not lost.
            log.warning("message %s (%s): cannot look it up (%s); sending it again", send.id, send.key, verdict.error)
            return None
        for m in found.get("messages") or []:
            meta = m.get("metadata") or {}
            if meta.get("event_type") == EVENT_TYPE and (meta.get("event_payload") or {}).get("key") == send.key:
                return {"channel": channel, "ts": m["ts"]}
        return None

    def _join(self, team_id: str, channel: str) -> bool:
        """Join a public channel we were not in (needs channels:join); False when that is not possible."""
        try:
            self.client_for(team_id).conversations_join(channel=channel)
            return True
        except (SlackApiError, *NETWORK_ERRORS) as e:
            log.info("could not join %s: %s", channel, classify(e, 1).error)
            return False

    # ---- outcomes ------------------------------------------------------------------------------

    def _record_sent(self, msg_id: int, response) -> int:
        # Not fenced: Slack has the message, and recording it stops any other sender from posting it again.
        with transaction(self.sessions) as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == msg_id, OutboxMessage.status == "pending")
                .values(
                    status="sent",
                    claimed_until=None,
                    claim_token=None,
                    sent_at=self.clock.now(),
                    channel=response.get("channel"),
                    ts=response.get("ts"),
                    attempts=OutboxMessage.attempts + 1,
                )
                .execution_options(synchronize_session=False)
            )
        metrics.delivered("sent")
        return 1

    def _forget_attempt(self, msg_id: int, token: str) -> None:
        """Slack said clearly it did not post it: no lookup needed before the next try."""
        with transaction(self.sessions) as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == msg_id, OutboxMessage.claim_token == token, OutboxMessage.ts.is_(None))
                .values(channel=None)
                .execution_options(synchronize_session=False)
            )

    def _release(self, msg_id: int, token: str, *, keep_mark: bool) -> int:
        """Give the claim back untried, due as before: it goes out, in its place, once the workspace's hold is over.
        An earlier uncertain post stays marked, to be looked up first."""
        values = {"claimed_until": None, "claim_token": None} | ({} if keep_mark else {"channel": None})
        with transaction(self.sessions) as session:
            session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == msg_id,
                    OutboxMessage.claim_token == token,
                    OutboxMessage.status == "pending",
                    OutboxMessage.ts.is_(None),
                )
                .values(**values)
                .execution_options(synchronize_session=False)
            )
        return 0

    def _reschedule(self, msg_id: int, token: str, verdict: Verdict) -> int:
        with transaction(self.sessions) as session:
            msg = session.get(OutboxMessage, msg_id)
            if msg.claim_token != token or msg.status != "pending":
                return 0
            msg.attempts += 1
            msg.error = verdict.error[:200]
            msg.claimed_until = msg.claim_token = None
            if not verdict.uncertain:
                msg.channel = None
            msg.next_attempt_at = self.clock.now() + timedelta(seconds=max(verdict.wait, 2.0 ** min(msg.attempts, 12)))
        return 0

    def _pause(self, msg_id: int, token: str, error: str) -> int:
        """Our token is refused: keep every message of the workspace queued and stop sending there."""
        now = self.clock.now()
        with transaction(self.sessions) as session:
            team = session.get(OutboxMessage, msg_id).team_id
            # The rest of our claim in this workspace is released at once, to go out as soon as it resumes.
            session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.status == "pending", OutboxMessage.team_id == team, OutboxMessage.claim_token == token
                )
                .values(claimed_until=None, claim_token=None)
                .execution_options(synchronize_session=False)
            )
            paused = session.execute(
                update(Workspace)
                .where(Workspace.team_id == team, Workspace.delivery_paused_at.is_(None))
                .values(delivery_paused_at=now, delivery_paused_reason=error[:64])
                .execution_options(synchronize_session=False)
            ).rowcount
        self._auth_checked[team] = now
        if paused:
            log.error(
                "delivery to workspace %s paused: Slack refuses the bot token (%s). Messages stay queued "
                "and are sent once auth.test succeeds again; check SLACK_BOT_TOKEN or reinstall the app.",
                team,
                error,
            )
        return 0

    def resume_paused(self) -> None:
        """Try the token of each paused workspace (at most once a minute); resume delivery when it works."""
        now = self.clock.now()
        with transaction(self.read_sessions) as session:
            paused = list(session.scalars(select(Workspace.team_id).where(Workspace.delivery_paused_at.is_not(None))))
        for team in paused:
            last = self._auth_checked.get(team)
            if last is not None and now - last < AUTH_CHECK_EVERY:
                continue
            self._auth_checked[team] = now
            try:
                self.client_for(team).auth_test()
            except (SlackApiError, *NETWORK_ERRORS) as e:
                log.info("delivery to workspace %s still paused: auth.test answered %s", team, classify(e, 1).error)
                continue
            with transaction(self.sessions) as session:
                session.execute(
                    update(Workspace)
                    .where(Workspace.team_id == team)
                    .values(delivery_paused_at=None, delivery_paused_reason=None)
                )
            log.warning("delivery to workspace %s resumed: the bot token works again", team)

    def _give_up(self, msg_id: int, error: str, *, unreachable: bool) -> int:
        """Stop retrying; when the recipient cannot be reached, tell the initiative's owner."""
        with transaction(self.sessions) as session:
            msg = session.get(OutboxMessage, msg_id)
            msg.status = "undeliverable" if unreachable else "failed"
            msg.error, msg.claimed_until, msg.claim_token = error[:200], None, None
            metrics.delivered(msg.status)
            msg.attempts += 1
            log.error("message %s (%s) to %s not delivered: %s", msg_id, msg.key, msg.recipient, error)
            ini = session.get(Initiative, msg.initiative_id) if msg.initiative_id else None
            if unreachable and ini is not None:
                now = self.clock.now()
                record(session, ini, None, "undeliverable", now, to=msg.recipient, error=error)
                # Reminders to an approver who cannot be reached would fail the same way every time:
                # stop them, so that the owner is told once rather than at every nudge.
                unreminded = [a for a in ini.pending if a.approver_id == msg.recipient and a.next_nudge_at]
                for a in unreminded:
                    a.next_nudge_at = None
                if msg.recipient != ini.owner_id:
                    # The owner's calendar: their working time and their language (the same load enqueue would do).
                    cal = Calendars.load(session, {ini.team_id: {ini.owner_id}}, now)
                    enqueue(session, notices.undeliverable(ini, cal, msg, error, bool(unreminded), now), cal)
        return 0


def _conversation(client: WebClient, recipient: str) -> str:
    """The conversation id of a channel, or of the DM / group DM with these people."""
    if recipient[:1] in "UW" or "," in recipient:
        return client.conversations_open(users=recipient)["channel"]["id"]
    return recipient


def _paused():
    """True for messages whose workspace has delivery paused (our token refused)."""
    return exists().where(Workspace.team_id == OutboxMessage.team_id, Workspace.delivery_paused_at.is_not(None))
