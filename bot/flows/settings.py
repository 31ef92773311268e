"""`/greenlight settings [<key> <value>]`: Slack is asked who asks (users.info) and, for a channel value,
whether the bot can post there (conversations.info); then one transaction shows or changes the settings."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from bot.blocks.settings import settings_blocks, settings_history_blocks
from bot.calendar import zone
from bot.groups import refresh_groups
from bot.i18n import t
from bot.people import refresh_people
from bot.services import settings as service
from bot.services.workspaces import workspace
from bot.text import channel_link, is_group


def run(gl, cmd, who) -> dict | str:
    """Show every setting, or change the one named; no Slack call happens inside the transaction."""
    refresh_people(gl, who.client, who.team_id, [who.user_id])  # is the person an admin? (users.info)
    if not cmd.key:

        def show(session, now):
            ws = workspace(session, who.team_id, now=now, default_tz=gl.config.timezone)
            allowed = service.may_change(session, who.team_id, who.user_id, gl.config.admins)
            return settings_blocks(service.current(ws), allowed)

        return {"text": t("Greenlight settings"), "blocks": gl.act(show)}
    if cmd.key == "history" and not cmd.value:

        def history(session, now):
            ws = workspace(session, who.team_id, now=now, default_tz=gl.config.timezone)
            return settings_history_blocks(service.history(session, who.team_id), zone(ws.timezone))

        return {"text": t("Greenlight settings history"), "blocks": gl.act(history)}
    named = service.people_to_check(cmd.key, cmd.value)
    refresh_groups(gl, who.client, who.team_id, [u for u in named if is_group(u)])
    refresh_people(gl, who.client, who.team_id, [u for u in named if not is_group(u)])
    channel = service.channel_to_check(cmd.key, cmd.value)
    problems = {channel: posting_problem(who.client, channel)} if channel else {}
    return gl.act(
        lambda s, now: service.change(
            s,
            team_id=who.team_id,
            user_id=who.user_id,
            key=cmd.key,
            raw_value=cmd.value,
            now=now,
            admins=gl.config.admins,
            channel_problems=problems,
            default_tz=gl.config.timezone,
        )
    )


def posting_problem(client, channel_id: str) -> str | None:
    """Why the bot cannot post in this channel, or None: a member, or a public channel (chat:write.public)."""
    try:
        channel = client.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as e:
        if e.response.get("error") in ("channel_not_found", "missing_scope"):
            return t(
                "I can't see {channel}. If it is a private channel, invite me first "
                "(`/invite @Greenlight` in that channel), then try again.",
                channel=channel_link(channel_id),
            )
        raise
    if channel.get("is_archived"):
        return t("{channel} is archived; pick a channel people read.", channel=channel_link(channel_id))
    if not channel.get("is_member") and channel.get("is_private"):
        return t(
            "I'm not in {channel}, a private channel, so I can't post there. "
            "Invite me (`/invite @Greenlight` in that channel), then try again.",
            channel=channel_link(channel_id),
        )
    return None
