"""Registering an initiative: the people named are checked with Slack first, then one transaction registers it."""

from __future__ import annotations

from sqlalchemy import select

from bot import i18n
from bot.blocks import register as registration_form
from bot.groups import refresh_groups
from bot.i18n import t
from bot.people import refresh_people
from bot.services import initiatives as service
from bot.services import templates
from bot.services.workspaces import workspace
from bot.text import MENTION, channel_link, escape, is_group, mention, with_names
from storage.models import Person


def register(gl, client, team_id: str, owner_id: str, draft, here: str | None = None) -> str:
    """Register the draft (filled from its template, if it names one; announced `here` unless it or its template
    names a channel) and say what happens next; RegistrationInvalid (field errors) if it can't."""
    if draft.template:
        draft = gl.act(lambda s, now: templates.fill(s, team_id, draft, here))
    named = (*draft.approver_ids, *draft.required, draft.sponsor_id)
    refresh_groups(gl, client, team_id, [u for u in named if u and is_group(u)])
    refresh_people(gl, client, team_id, [u for u in named if u and not is_group(u)])
    ini = gl.act(
        lambda s, now: service.register(
            s, team_id=team_id, owner_id=owner_id, draft=draft, now=now, default_tz=gl.config.timezone
        )
    )
    first, *later = [", ".join(mention(u) for u in stage) for stage in draft.stages]
    values = dict(
        reference=ini.reference,
        title=escape(ini.title),
        template=draft.template,
        channel=channel_link(ini.channel_id),
        approvers=first,
    )
    registered = (
        t(
            "Registered *{reference}* “{title}” with the template `{template}`. I announced it in {channel} "
            "and asked {approvers} for sign-off.",
            **values,
        )
        if draft.template
        else t(
            "Registered *{reference}* “{title}”. I announced it in {channel} and asked {approvers} for sign-off.",
            **values,
        )
    )
    stages = [
        t("Stage {n} ({approvers}) is asked once the stage before is complete.", n=n, approvers=names)
        for n, names in enumerate(later, 2)
    ]
    decides = t(
        "Deadline: {deadline}; then {sponsor} decides.",
        deadline=i18n.day(ini.deadline),
        sponsor=mention(ini.sponsor_id),
    )
    return " ".join([registered, *stages, decides])


def form(gl, team_id: str, channel_id: str | None) -> dict:
    """The registration form, with the workspace's default deadline and its templates."""

    def read(s, now):
        ws = workspace(s, team_id, now=now, default_tz=gl.config.timezone)
        return service.resolve_deadline(ws, None, now), templates.names(s, team_id)

    deadline, names = gl.act(read)
    return registration_form.registration(deadline, channel_id, names)


def field_errors(gl, team_id: str, errors: dict[str, str]) -> dict[str, str]:
    """A modal shows field errors as plain text: each mention becomes '@name'."""
    ids = {m for text in errors.values() for m in MENTION.findall(text)}
    names = {}
    if ids:
        with gl.reading() as s:
            names = dict(
                s.execute(
                    select(Person.user_id, Person.display_name).where(
                        Person.team_id == team_id, Person.user_id.in_(ids)
                    )
                ).all()
            )
    return {field: with_names(text, names) for field, text in errors.items()}
