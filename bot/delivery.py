"""Sending the outbox: claim due messages, send each once, record the result.

A message is claimed for LEASE before it is sent and marked sent right after Slack
accepts it. The one window for a duplicate is a crash between Slack's answer and that
record (a few milliseconds): the lease then expires and the message is sent again.
"""
from __future__ import annotations

import http.client
import logging
import time
import urllib.error
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import or_, select

from bot import logs, metrics
from bot.blocks.common import message as slack_message
from bot.services import record
from bot.services.outbox import enqueue, message
from bot.text import mention
from storage.db import transaction
from storage.models import Initiative, OutboxMessage

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
BATCH = 100
INLINE_WAIT_MAX = 10.0  # seconds we wait in place for a 429 or a backoff before rescheduling
INLINE_TRIES = 4
UNREACHABLE = {
    "channel_not_found", "user_not_found", "users_not_found", "not_in_channel", "is_archived",
    "cannot_dm_bot", "user_disabled", "account_inactive", "messages_tab_disabled", "restricted_action",
}
NETWORK_ERRORS = (urllib.error.URLError, OSError, http.client.HTTPException)


class Sender:
    """Delivers outbox messages once, waiting out 429s and retrying 5xx and network errors."""

    def __init__(self, sessions, client: WebClient, clock, sleep=time.sleep):
        self.sessions = sessions
        self.client = client
        self.clock = clock
        self.sleep = sleep

    def deliver_due(self, *, team_id: str | None = None) -> int:
        """Send every message due now; returns how many were sent."""
        sent = 0
        while True:
            claimed = self._claim(team_id)
            if not claimed:
                return sent
            for msg_id in claimed:
                sent += self._deliver(msg_id)

    def _claim(self, team_id: str | None) -> list[int]:
        now = self.clock.now()
        with transaction(self.sessions) as session:
            query = (
                select(OutboxMessage)
                .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now,
                       or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now))
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(BATCH).with_for_update(skip_locked=True)
            )
            if team_id:
                query = query.where(OutboxMessage.team_id == team_id)
            rows = list(session.scalars(query))
            for row in rows:
                row.claimed_until = now + LEASE
            return [row.id for row in rows]

    def _deliver(self, msg_id: int) -> int:
        with transaction(self.sessions) as session:
            msg = session.get(OutboxMessage, msg_id)
            logs.about(team=msg.team_id, initiative=msg.initiative_id, outbox_key=msg.key)  # ops: log context
            target = None
            if msg.target_key:
                target = session.scalar(select(OutboxMessage).where(OutboxMessage.team_id == msg.team_id, OutboxMessage.key == msg.target_key))
                if target is None or target.status in ("undeliverable", "failed", "skipped"):
                    msg.status, msg.claimed_until, msg.error = "skipped", None, "target message was never delivered"
                    metrics.delivered("skipped")  # ops: metrics
                    return 0
                if target.status != "sent":
                    msg.claimed_until, msg.next_attempt_at = None, self.clock.now() + timedelta(seconds=30)
                    return 0
            call = self._call(msg, target)
        for attempt in range(1, INLINE_TRIES + 1):
            try:
                response = call()
            except SlackApiError as e:
                status = e.response.status_code
                error = e.response.get("error") if status == 200 else f"http {status}"
                if status == 429:
                    wait = float(e.response.headers.get("Retry-After", e.response.headers.get("retry-after", 1)))
                elif status >= 500:
                    wait = min(2.0 ** (attempt - 1), 3600.0)
                else:
                    return self._give_up(msg_id, error, unreachable=error in UNREACHABLE)
            except NETWORK_ERRORS as e:
                error, wait = f"network: {e}", min(2.0 ** (attempt - 1), 3600.0)
            else:
                return self._record_sent(msg_id, response)
            metrics.retried(metrics.retry_reason(error))  # ops: metrics
            log.warning("message %s: %s, retrying in %.0fs", msg_id, error, wait)
            if wait > INLINE_WAIT_MAX or attempt == INLINE_TRIES:
                return self._reschedule(msg_id, error, wait)
            self.sleep(wait)
        return 0

    def _call(self, msg: OutboxMessage, target: OutboxMessage | None):
        payload = dict(msg.payload)
        if msg.method == "chat.update":
            return lambda: self.client.chat_update(channel=target.channel, ts=target.ts, **payload)
        if target is not None:
            payload["thread_ts"] = target.ts
            return lambda: self.client.chat_postMessage(channel=target.channel, **payload)
        if "," in msg.recipient:  # a group conversation of these people, opened as part of the attempt
            return lambda: self.client.chat_postMessage(
                channel=self.client.conversations_open(users=msg.recipient)["channel"]["id"], **payload)
        return lambda: self.client.chat_postMessage(channel=msg.recipient, unfurl_links=False, unfurl_media=False, **payload)

    def _record_sent(self, msg_id: int, response) -> int:
        with transaction(self.sessions) as session:
            msg = session.get(OutboxMessage, msg_id)
            msg.status, msg.claimed_until, msg.sent_at = "sent", None, self.clock.now()
            msg.channel, msg.ts = response.get("channel"), response.get("ts")
            msg.attempts += 1
        metrics.delivered("sent")  # ops: metrics
        return 1

    def _reschedule(self, msg_id: int, error: str, wait: float) -> int:
        with transaction(self.sessions) as session:
            msg = session.get(OutboxMessage, msg_id)
            msg.attempts += 1
            msg.error = error[:200]
            msg.claimed_until = None
            msg.next_attempt_at = self.clock.now() + timedelta(seconds=max(wait, 2.0 ** min(msg.attempts, 12)))
        return 0

    def _give_up(self, msg_id: int, error: str, *, unreachable: bool) -> int:
        """Stop retrying; when the recipient cannot be reached, tell the initiative's owner."""
        with transaction(self.sessions) as session:
            msg = session.get(OutboxMessage, msg_id)
            msg.status = "undeliverable" if unreachable else "failed"
            metrics.delivered(msg.status)  # ops: metrics
            msg.error, msg.claimed_until = error[:200], None
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
                    who = ", ".join(mention(u) for u in msg.recipient.split(",")) if msg.recipient[0] in "UW" else f"<#{msg.recipient}>"
                    text = (f"I could not deliver a message about *{ini.reference}* to {who} ({error}). "
                            "Please reach them another way, or check that I can post there."
                            + (" I will not send them more reminders about it." if unreminded else ""))
                    enqueue(session, [message(ini.team_id, f"undeliverable:{msg.id}", ini.owner_id,
                                              slack_message(text), now=now, initiative_id=ini.id)])
        return 0
