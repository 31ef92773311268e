"""A retried or replayed Slack request acts once: the first is recorded before its listener runs, and a
repeat is answered with what the first answered (the rows live a day: see bot/jobs.py). A request that only
reads (`list`, `mine`, `show`, `help`, `summary`, a page button) changes nothing, so a repeat is simply
answered again: reads write nothing, not even this record, and their ack waits for no database."""

from __future__ import annotations

import hashlib
import json
import logging

from slack_bolt import Ack, BoltResponse
from sqlalchemy import select, update

from bot.blocks.ids import Action
from bot.flows.commands import READS
from bot.i18n import N_, t
from bot.listeners.outcomes import ephemeral
from bot.parsing import ParseError, parse
from storage.db import insert_or_nothing
from storage.models import SlackRequest

log = logging.getLogger(__name__)

PAGE_ACTIONS = (Action.PREVIOUS_PAGE.value, Action.NEXT_PAGE.value)
STILL_RUNNING = N_("I already received this exact request and I'm working on it; it is carried out once.")


def request_key(request) -> str:
    """The request's fingerprint: its body carries trigger_id, event_id or action_ts, so two real requests
    never share it, while Slack's retries and replays (over HTTP or a Socket Mode envelope) do."""
    raw = request.raw_body if request.mode == "http" else json.dumps(request.body, sort_keys=True)
    return hashlib.sha256(raw.encode()).hexdigest()


def only_reads(body: dict) -> bool:
    """Whether the request is a command or a click that reads and changes nothing."""
    if body.get("command"):
        try:
            return parse(body.get("text", "")).name in READS
        except ParseError:  # answered with what is wrong with it
            return True
    actions = body.get("actions") or []
    return body.get("type") == "block_actions" and all(a.get("action_id") in PAGE_ACTIONS for a in actions)


def register(app, gl) -> None:
    @app.middleware
    def act_once(request, context, next):
        if only_reads(request.body):
            return next()
        key = request_key(request)
        with gl.transaction() as session:
            first = insert_or_nothing(
                session,
                SlackRequest,
                dict(key=key, team_id=context.get("team_id") or "", reply=None, created_at=gl.clock.now()),
            )
        if first:
            context["ack"] = RecordedAck(gl, key)
            if context.respond is not None:
                context["respond"] = RecordedRespond(gl, key, context.respond)
            return next()
        log.info("request %s… seen before: answered again, not acted on", key[:12])
        if request.body.get("type") == "event_callback":  # Slack's retries (X-Slack-Retry-Num): nobody to answer
            return BoltResponse(status=200, body="")
        return answer_again(gl, key, context)


def answer_again(gl, key: str, context) -> BoltResponse:
    """What the first request answered, or, while it still runs, a word that it does."""
    with gl.reading() as session:
        reply = session.scalar(select(SlackRequest.reply).where(SlackRequest.key == key)) or {}
    if context.respond is not None:
        if "respond" in reply:
            context.respond(*reply["respond"]["args"], **reply["respond"]["kwargs"])
        elif "ack" not in reply:
            ephemeral(context.respond, {"text": t(STILL_RUNNING)})
    if reply.get("ack"):
        return BoltResponse(status=200, body=reply["ack"], headers={"content-type": "application/json;charset=utf-8"})
    return BoltResponse(status=200, body="")


def record(gl, key: str, reply: dict) -> None:
    """Keep the first request's answer for its repeats; one that cannot be kept only costs them that answer."""
    try:
        json.dumps(reply)
        with gl.transaction() as session:
            session.execute(update(SlackRequest).where(SlackRequest.key == key).values(reply=reply))
    except Exception:
        log.exception("could not record the answer to request %s…", key[:12])


class RecordedAck(Ack):
    """Bolt's ack(); a body it sends (a modal's errors or next view) is kept for repeats."""

    def __init__(self, gl, key: str):
        super().__init__()
        self.gl, self.key = gl, key

    def __call__(self, *args, **kwargs) -> BoltResponse:
        response = super().__call__(*args, **kwargs)
        if response.body:
            record(self.gl, self.key, {"ack": response.body})
        return response


class RecordedRespond:
    """Stands in for respond(): answers as the original does and keeps the answer for repeats."""

    def __init__(self, gl, key: str, respond):
        self.gl, self.key, self.respond = gl, key, respond
        self.response_url = getattr(respond, "response_url", None)

    def __call__(self, *args, **kwargs):
        record(
            self.gl, self.key, {"respond": {"args": list(args), "kwargs": kwargs}}
        )  # first: a repeat may come at once
        return self.respond(*args, **kwargs)
