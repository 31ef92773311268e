"""Turning the outcome of a service call into the one ephemeral reply a person sees."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk.errors import SlackApiError

from bot.blocks.common import context
from bot.i18n import N_, t
from bot.parsing import ParseError
from bot.services import Refusal

log = logging.getLogger(__name__)

SLACK_DOWN = N_("Slack did not answer me just now, so nothing was saved. Please try again in a minute.")
BROKEN = N_(
    "Something went wrong on my side, so nothing was saved. Please try again; if it persists, tell your Slack admin."
)


def attempt(work: Callable[[], dict | str]) -> tuple[dict, bool]:
    """Run work: (its reply, True), or (the message for a refusal or a failure, False)."""
    try:
        reply = work()
    except (Refusal, ParseError) as e:
        return {"text": str(e)}, False
    except SlackApiError as e:
        log.warning("Slack API error: %s", e.response.get("error") or e.response.status_code)
        return {"text": t(SLACK_DOWN)}, False
    except OSError as e:  # Slack did not answer in time, or could not be reached
        log.warning("Slack did not answer: %s", e)
        return {"text": t(SLACK_DOWN)}, False
    except Exception:
        log.exception("request failed")
        return {"text": t(BROKEN)}, False
    return ({"text": reply} if isinstance(reply, str) else reply), True


def outcome(work: Callable[[], dict | str]) -> dict:
    """Run work and return its reply, or the message for a refusal or a failure."""
    return attempt(work)[0]


def ephemeral(respond, reply: dict) -> None:
    """Answer through the response_url, seen only by the person who asked."""
    respond(response_type="ephemeral", replace_original=False, **reply)


def settled(message: dict, reply: str, *, keep_buttons: bool) -> dict:
    """The clicked message, now saying what the click did (without its buttons once they are spent)."""
    blocks = [b for b in message.get("blocks") or [] if keep_buttons or b.get("type") != "actions"]
    return {"text": reply, "blocks": blocks + [context(f":white_check_mark: {reply}")]}
