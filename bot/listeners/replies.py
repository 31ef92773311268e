"""Turning the outcome of a service call into the one ephemeral reply a person sees."""
from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk.errors import SlackApiError

from bot.commands import ParseError
from bot.services import Refusal

log = logging.getLogger(__name__)

SLACK_DOWN = "Slack did not answer me just now, so nothing was saved. Please try again in a minute."
BROKEN = "Something went wrong on my side, so nothing was saved. Please try again; if it persists, tell your Slack admin."


def outcome(work: Callable[[], dict | str]) -> dict:
    """Run work and return its reply, or the message for a refusal or a failure."""
    try:
        reply = work()
    except (Refusal, ParseError) as e:
        return {"text": str(e)}
    except SlackApiError as e:
        log.warning("Slack API error: %s", e.response.get("error") or e.response.status_code)
        return {"text": SLACK_DOWN}
    except Exception:
        log.exception("request failed")
        return {"text": BROKEN}
    return {"text": reply} if isinstance(reply, str) else reply


def ephemeral(respond, reply: dict) -> None:
    """Answer through the response_url, seen only by the person who asked."""
    respond(response_type="ephemeral", replace_original=False, **reply)
