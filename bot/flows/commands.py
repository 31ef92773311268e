"""`/greenlight <text>` once parsed: which service answers it, and the reply it gets."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.blocks import initiatives as msg
from bot.blocks.lists import LIST_TITLES, help_text, mine_blocks, open_list
from bot.blocks.summary import preview_message
from bot.flows import export as export_flow
from bot.flows import registration
from bot.flows import settings as settings_flow
from bot.flows import stats as stats_flow
from bot.flows import visibility as visibility_flow
from bot.groups import refresh_groups
from bot.i18n import t
from bot.parsing import Command, ParseError, parse
from bot.people import refresh_people
from bot.services import (
    Refusal,
    escalation,
    nudges,
    overview,
    personal,
    resubmission,
    summary,
    templates,
    visibility,
)
from bot.services import initiatives as service
from bot.text import escape, is_group


@dataclass(frozen=True)
class Invocation:
    """Who ran the command, where, and with which Slack client."""

    team_id: str
    user_id: str
    channel_id: str
    trigger_id: str
    client: object


def run(gl, cmd: Command, who: Invocation) -> dict | str | None:
    """Carry out one parsed command and return the reply (None when a modal opened instead)."""
    return HANDLERS[cmd.name](gl, cmd, who)


def turn_page(gl, text: str, who: Invocation) -> dict:
    """A Previous / Next page button: its value is the `list` or `mine` command of the page it shows."""
    cmd = parse(text)
    if cmd.name not in ("list", "mine"):
        raise ParseError(t("That button is out of date. Run `/greenlight list` or `/greenlight mine` again."))
    return run(gl, cmd, who)


def opens_a_form(cmd: Command) -> bool:
    """Whether the command's answer is a form (bare `new`): its trigger_id expires 3 s after the command."""
    return cmd.name == "new" and not cmd.draft


def new(gl, cmd: Command, who: Invocation) -> str | None:
    """`new` with text registers at once (in this channel unless another is named); bare `new` opens the form."""
    here = who.channel_id if who.channel_id[:1] in ("C", "G") else None
    if not opens_a_form(cmd):
        # With a template, its channel comes before this one (a channel named in the command before both).
        draft = replace(cmd.draft, channel_id=cmd.draft.channel_id or (None if cmd.draft.template else here))
        return registration.register(gl, who.client, who.team_id, who.user_id, draft, here)
    who.client.views_open(trigger_id=who.trigger_id, view=registration.form(gl, who.team_id, who.channel_id))
    return None


def template(gl, cmd: Command, who: Invocation) -> str:
    """`template save|list|delete`: the people a template names are checked with Slack before it is saved."""
    if cmd.key == "list":
        with gl.reading() as s:
            return templates.listing(s, who.team_id)
    if cmd.key == "delete":
        refresh_people(gl, who.client, who.team_id, [who.user_id])  # is the person an admin? (users.info)
        return gl.act(lambda s, now: templates.delete(s, who.team_id, who.user_id, cmd.value, now, gl.config.admins))
    draft = cmd.draft
    named = (*draft.approver_ids, *draft.required, draft.sponsor_id)
    refresh_groups(gl, who.client, who.team_id, [u for u in named if is_group(u)])
    refresh_people(gl, who.client, who.team_id, [u for u in named if not is_group(u)])
    return gl.act(lambda s, now: templates.save(s, who.team_id, who.user_id, cmd.value, draft, now))


def require_visible(gl, number: int, who: Invocation) -> None:
    """Someone who may not see GL-n learns nothing of it, not even who could act on it (a refusal names them)."""
    with gl.reading() as s:
        ini = service.find(s, who.team_id, number, lock=False)
        if visibility.takes_part(ini, who.user_id):
            return
        channel = ini.channel_id
    viewer = visibility_flow.viewer(gl, who.client, who.team_id, who.user_id, [channel])
    with gl.reading() as s:
        if not visibility.can_see(service.find(s, who.team_id, number, lock=False), viewer):
            raise _hidden(number)


def on_initiative(action):
    """A command that acts on the initiative it names: find it (locked), act, reply."""

    def handler(gl, cmd: Command, who: Invocation):
        require_visible(gl, cmd.ref, who)
        return gl.act(lambda s, now: action(s, service.find(s, who.team_id, cmd.ref), who.user_id, cmd.text, now))

    return handler


def extend(gl, cmd: Command, who: Invocation) -> str:
    require_visible(gl, cmd.ref, who)
    return gl.act(lambda s, now: escalation.extend(s, service.find(s, who.team_id, cmd.ref), who.user_id, cmd.due, now))


def _hidden(number: int) -> Refusal:
    """What someone who may not see GL-n is told: the same as when it does not exist, so nothing leaks."""
    return Refusal(
        t(
            "There is no {reference} in this workspace. `/greenlight list` shows the open ones.",
            reference=f"GL-{number}",
        )
    )


def resubmit(gl, cmd: Command, who: Invocation) -> str:
    return gl.act(
        lambda s, now: resubmission.resubmit(
            s, service.find(s, who.team_id, cmd.ref), who.user_id, cmd.text, cmd.due, cmd.key == "fresh", now
        )
    )


def snooze(gl, cmd: Command, who: Invocation) -> str:
    return gl.act(lambda s, now: nudges.snooze(s, service.find(s, who.team_id, cmd.ref), who.user_id, cmd.due, now))


def show(gl, cmd: Command, who: Invocation) -> dict:
    """`show GL-12` (status, waits, the latest history) or `show GL-12 history` (the history alone)."""
    viewer = visibility_flow.viewer(
        gl,
        who.client,
        who.team_id,
        who.user_id,
        lambda s: [service.find(s, who.team_id, cmd.ref, lock=False).channel_id],
    )
    with gl.reading() as s:
        ini = service.find(s, who.team_id, cmd.ref, lock=False)
        if not visibility.can_see(ini, viewer):
            raise _hidden(cmd.ref)
        story = overview.story(s, ini, gl.clock.now(), viewer_id=who.user_id)
        title = f"{ini.reference}: {escape(ini.title)}"
        if cmd.key == "history":
            return {"text": t("{title}: history", title=title), "blocks": msg.history(story, escape(ini.title))}
        return {"text": title, "blocks": msg.detail(story)}


def older_events(gl, team_id: str, user_id: str, client, value: str) -> dict:
    """The "Older events" button: the page of history before the event it names, if the clicker may see it."""
    ini_id, _, before = value.partition(":")
    with gl.reading() as s:
        channel = service.find_by_id(s, team_id, ini_id, lock=False).channel_id
    viewer = visibility_flow.viewer(gl, client, team_id, user_id, [channel])
    with gl.reading() as s:
        ini = service.find_by_id(s, team_id, ini_id, lock=False)
        if not visibility.can_see(ini, viewer) or not before.isdigit():
            raise Refusal(t("That initiative does not exist in this workspace."))
        story = overview.story(s, ini, gl.clock.now(), viewer_id=user_id, before=int(before))
        return {
            "text": t("{reference}: older events", reference=ini.reference),
            "blocks": msg.history(story, t("Older events")),
        }


def list_open(gl, cmd: Command, who: Invocation) -> dict:
    viewer = visibility_flow.viewer(
        gl, who.client, who.team_id, who.user_id, lambda s: overview.active_channels(s, who.team_id)
    )
    with gl.reading() as s:
        page = overview.active(
            s,
            who.team_id,
            gl.clock.now(),
            show=cmd.show,
            channel_id=cmd.channel_id,
            user_id=who.user_id,
            number=cmd.page,
            seen_by=visibility.condition(viewer),
        )
        return {"text": t(LIST_TITLES[cmd.show]), "blocks": open_list(page, cmd.show, cmd.channel_id)}


def mine(gl, cmd: Command, who: Invocation) -> dict:
    with gl.reading() as s:
        mine = overview.mine(s, who.team_id, who.user_id, gl.clock.now(), number=cmd.page)
        return {"text": t("What waits on you"), "blocks": mine_blocks(mine)}


def summary_preview(gl, cmd: Command, who: Invocation) -> dict:
    """This channel's summary as it would be posted now, of the initiatives the person may see."""
    viewer = visibility_flow.viewer(gl, who.client, who.team_id, who.user_id, [who.channel_id])
    return gl.act(
        lambda s, now: preview_message(
            *summary.preview(
                s,
                who.team_id,
                who.channel_id,
                now,
                default_tz=gl.config.timezone,
                only=lambda ini: visibility.can_see(ini, viewer),
            )
        )
    )


def me(gl, cmd: Command, who: Invocation) -> str:
    """`me` shows or changes the person's own calendar; Slack is asked first who they are (their time zone), and
    who the delegate they name is."""
    refresh_people(gl, who.client, who.team_id, [who.user_id, cmd.value if cmd.key == "away" else ""])
    if cmd.key == "away":
        return gl.act(lambda s, now: personal.away(s, who.team_id, who.user_id, cmd.due, cmd.value or None, now))
    if not cmd.key:
        return gl.act(lambda s, now: personal.calendar_of(s, who.team_id, who.user_id, now, gl.config.timezone))
    return gl.act(lambda s, now: personal.change(s, who.team_id, who.user_id, cmd.key, cmd.value, now))


READS = ("help", "list", "mine", "show", "summary")  # commands that change nothing: a repeat is answered again

HANDLERS = {
    "help": lambda gl, cmd, who: help_text(),
    "new": new,
    "list": list_open,
    "mine": mine,
    "show": show,
    "summary": summary_preview,
    "settings": settings_flow.run,
    "me": me,
    "approve": on_initiative(service.approve),
    "reject": on_initiative(service.reject),
    "withdraw": on_initiative(service.withdraw),
    "nudge": on_initiative(nudges.manual_nudge),
    "proceed": on_initiative(escalation.proceed),
    "report": on_initiative(escalation.report),
    "extend": extend,
    "export": export_flow.run,
    "stats": stats_flow.run,
    "snooze": snooze,
    "resubmit": resubmit,
    "template": template,
    "ask": on_initiative(service.ask_owner),
    "answer": on_initiative(service.answer),
}
