"""What Slack says about a viewer before a read: who they are (users.info, via the people cache) and which of
the channels in question they are a member of (conversations.members, cached briefly per process)."""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from slack_sdk.errors import SlackApiError

from bot.people import fresh, refresh_people
from bot.services import visibility
from bot.services.visibility import Viewer
from storage.models import Person

log = logging.getLogger(__name__)

MEMBERS_FRESH_FOR = 300.0  # seconds: someone who just left a channel stops seeing its initiatives within 5 minutes
PAGE = 200  # Slack recommends at most 200 per page
UNREADABLE = ("channel_not_found", "not_in_channel", "missing_scope", "method_not_supported_for_channel_type")


def channel_members(gl, client, team_id: str, channel_id: str) -> frozenset[str]:
    """Everyone in the channel, from Slack; a channel the bot cannot read has, as far as we know, no members."""
    cache = gl.members_cache
    cached = cache.get((team_id, channel_id))
    if cached and time.monotonic() - cached[0] < MEMBERS_FRESH_FOR:
        return cached[1]
    members: set[str] = set()
    cursor = None
    try:
        while True:
            page = client.conversations_members(
                channel=channel_id, limit=PAGE, **({"cursor": cursor} if cursor else {})
            )
            members.update(page.get("members") or [])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
    except SlackApiError as e:
        if e.response.get("error") not in UNREADABLE:
            raise
        log.info(
            "channel %s: members unreadable (%s); only participants and admins see its initiatives",
            channel_id,
            e.response.get("error"),
        )
    result = frozenset(members)
    cache[(team_id, channel_id)] = (time.monotonic(), result)
    return result


def viewer(gl, client, team_id: str, user_id: str, channel_ids=()) -> Viewer:
    """The viewer, with their membership of `channel_ids` asked of Slack only when it can matter. `channel_ids` may
    be a function of a session that reads them: then they are read with the viewer, and only if they matter.

    Who they are comes from the people cache, refreshed from Slack first (with no transaction open) if it is stale."""

    def read(session) -> tuple[Viewer, set[str] | None]:
        who = visibility.viewer(session, team_id, user_id, admins=gl.config.admins)
        if not who.needs_membership:
            return who, None
        return who, set(channel_ids(session) if callable(channel_ids) else channel_ids)

    with gl.reading() as session:
        known = fresh(session.get(Person, (team_id, user_id)), gl.clock.now())
        if known:  # most requests: one read
            who, channels = read(session)
    if not known:
        refresh_people(gl, client, team_id, [user_id])
        with gl.reading() as session:
            who, channels = read(session)
    if channels is None:
        return who
    mine = {c for c in channels if user_id in channel_members(gl, client, team_id, c)}
    return replace(who, channels=frozenset(mine))
