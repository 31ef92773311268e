"""The /greenlight slash command: parse the text, call one service, answer ephemerally."""
from __future__ import annotations

from dataclasses import dataclass

from bot.blocks import initiatives as msg
from bot.blocks import register as registration_form
from bot.blocks.replies import help_text, mine_blocks, open_list
from bot.blocks.summary import preview_message
from bot.commands import Command, NewInitiative, parse
from bot.flows import settings as settings_flow
from bot.listeners.replies import ephemeral, outcome
from bot.people import refresh_people
from bot.services import initiatives as service
from bot.services import escalation, nudges, overview, summary
from bot.services.workspaces import workspace
from bot.text import channel_link, escape, mention


@dataclass(frozen=True)
class Invocation:
    """Who ran the command, where, and with which Slack client."""

    team_id: str
    user_id: str
    channel_id: str
    trigger_id: str
    client: object


def register(app, gl) -> None:
    @app.command("/greenlight")
    def greenlight(ack, command, respond, client):
        ack()
        who = Invocation(command["team_id"], command["user_id"], command.get("channel_id", ""),
                         command.get("trigger_id", ""), client)
        reply = outcome(lambda: run(gl, parse(command.get("text", "")), who))
        if reply:
            ephemeral(respond, reply)
        gl.deliver_soon()  # after the reply, so the person never waits for the DMs their command caused


def run(gl, cmd: Command | NewInitiative, who: Invocation) -> dict | str | None:
    """Carry out one parsed command and return the reply."""
    return HANDLERS[cmd.name](gl, cmd, who)


def new(gl, cmd: Command | NewInitiative, who: Invocation) -> str | None:
    """`new` with text registers at once; bare `new` opens the registration form."""
    if isinstance(cmd, NewInitiative):
        return register_text_form(gl, cmd, who)
    deadline = gl.act(lambda s, now: service.resolve_deadline(
        workspace(s, who.team_id, now=now, default_tz=gl.settings.timezone), None, now))
    who.client.views_open(trigger_id=who.trigger_id, view=registration_form.registration(deadline, who.channel_id))
    return None


def register_text_form(gl, cmd: NewInitiative, who: Invocation) -> str:
    channel = cmd.channel_id or (who.channel_id if who.channel_id[:1] in ("C", "G") else None)
    draft = service.Draft(title=cmd.title, approver_ids=cmd.approver_ids, sponsor_id=cmd.sponsor_id,
                          due=cmd.due, rule=cmd.rule, channel_id=channel)
    return register_draft(gl, draft, who)


def register_draft(gl, draft: service.Draft, who: Invocation) -> str:
    """Check the people with Slack, register, and say what happened next (RegistrationInvalid if it can't)."""
    refresh_people(gl, who.client, who.team_id, (*draft.approver_ids, draft.sponsor_id))
    ini = gl.act(lambda s, now: service.register(s, team_id=who.team_id, owner_id=who.user_id, draft=draft, now=now,
                                                  default_tz=gl.settings.timezone))
    approvers = ", ".join(mention(u) for u in draft.approver_ids)
    return (f"Registered *{ini.reference}* “{escape(ini.title)}”. I announced it in {channel_link(ini.channel_id)} "
            f"and asked {approvers} for sign-off. Deadline: {msg.day(ini.deadline)}; then {mention(ini.sponsor_id)} decides.")


def on_initiative(action):
    """A handler for a command that names an initiative: find it, act, reply."""
    def handler(gl, cmd: Command, who: Invocation):
        return gl.act(lambda s, now: action(s, service.find(s, who.team_id, cmd.ref), who.user_id, cmd.text, now))
    return handler


def show(gl, cmd: Command, who: Invocation) -> dict:
    story = gl.act(lambda s, now: overview.story(s, service.find(s, who.team_id, cmd.ref), now))
    return {"text": f"{story.initiative.reference}: {escape(story.initiative.title)}", "blocks": msg.detail(story)}


def list_open(gl, cmd: Command, who: Invocation) -> dict:
    rows = gl.act(lambda s, now: overview.active(s, who.team_id, now))
    return {"text": "Open initiatives", "blocks": open_list(rows)}


def mine(gl, cmd: Command, who: Invocation) -> dict:
    mine = gl.act(lambda s, now: overview.mine(s, who.team_id, who.user_id, now))
    return {"text": "What waits on you", "blocks": mine_blocks(mine)}


def summary_preview(gl, cmd: Command, who: Invocation) -> dict:
    return gl.act(lambda s, now: preview_message(*summary.preview(s, who.team_id, who.channel_id, now,
                                                                  default_tz=gl.settings.timezone)))


HANDLERS = {
    "help": lambda gl, cmd, who: help_text(),
    "new": new,
    "list": list_open,
    "mine": mine,
    "show": show,
    "summary": summary_preview,
    "settings": settings_flow.run,
    "approve": on_initiative(service.approve),
    "reject": on_initiative(service.reject),
    "withdraw": on_initiative(service.withdraw),
    "nudge": on_initiative(nudges.manual_nudge),
    "proceed": on_initiative(escalation.proceed),
    "report": on_initiative(escalation.report),
    "extend": lambda gl, cmd, who: gl.act(
        lambda s, now: escalation.extend(s, service.find(s, who.team_id, cmd.ref), who.user_id, cmd.due, now)),
}
