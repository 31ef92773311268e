"""Every Slack request timed (request latency by command and action) and the log lines it causes tagged with its
workspace: a Bolt App whose dispatch does both, and listener threads that keep the log context. Labels are the subcommand, action id or view id when Greenlight knows it, else "other": never free text."""

from __future__ import annotations

import contextvars
import time
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App, BoltRequest, BoltResponse

from bot import logs, metrics
from bot.blocks.ids import Action, View
from bot.parsing import USAGE

KNOWN_NAMES = {
    "command": set(USAGE),
    "action": {a.value for a in Action},
    "view": {v.value for v in View},
    "event": {"app_home_opened"},
}


def request_label(body: dict) -> tuple[str, str]:
    """(kind, name) of a request body, e.g. ("command", "list"), ("action", "approve"), ("view", "register")."""
    if "command" in body:
        words = (body.get("text") or "").split(maxsplit=1)
        kind, name = "command", words[0].lower() if words else "help"
    elif body.get("type") == "block_actions":
        kind, name = "action", ((body.get("actions") or [{}])[0]).get("action_id", "")
    elif body.get("type") in ("view_submission", "view_closed"):
        kind, name = "view", (body.get("view") or {}).get("callback_id", "")
    elif body.get("type") == "event_callback":
        kind, name = "event", (body.get("event") or {}).get("type", "")
    else:
        return "other", "other"
    return kind, name if name in KNOWN_NAMES[kind] else "other"


class ContextCopyingExecutor(ThreadPoolExecutor):
    """Bolt's listener threads, which keep the log context (the team) of the request that started them."""

    def submit(self, fn, /, *args, **kwargs):
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)


class ObservedApp(App):
    """A Bolt app that times each request it dispatches, over HTTP and Socket Mode alike, and tags the log lines the
    request causes (in Bolt's listener threads too) with its workspace."""

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        started = time.perf_counter()
        try:
            with logs.concerning(team=req.context.team_id or req.context.enterprise_id):
                return super().dispatch(req)
        finally:  # Bolt returns once the listener acked (or, for process_before_response, finished)
            if not req.context.get("answering"):  # an answer process's are timed from the ack (bot/answers.py)
                metrics.request_handled(*request_label(req.body), time.perf_counter() - started)
