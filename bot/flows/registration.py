"""Registering an initiative: the people named are checked with Slack first, then one transaction registers it."""

from __future__ import annotations

from sqlalchemy import select

from bot.blocks import initiatives as msg
from bot.people import refresh_people
from bot.services import initiatives as service
from bot.text import MENTION, channel_link, escape, mention, with_names
from storage.models import Person


def register(gl, client, team_id: str, owner_id: str, draft) -> str:
    """Register the draft and say what happens next; RegistrationInvalid (field errors) if it can't."""
    refresh_people(gl, client, team_id, (*draft.approver_ids, *draft.required, draft.sponsor_id))
    ini = gl.act(
        lambda s, now: service.register(
            s, team_id=team_id, owner_id=owner_id, draft=draft, now=now, default_tz=gl.config.timezone
        )
    )
    first, *later = [", ".join(mention(u) for u in stage) for stage in draft.stages]
    then = "".join(
        f" Stage {n} ({names}) is asked once the stage before is complete." for n, names in enumerate(later, 2)
    )
    return (
        f"Registered *{ini.reference}* “{escape(ini.title)}”. I announced it in {channel_link(ini.channel_id)} "
        f"and asked {first} for sign-off.{then} Deadline: {msg.day(ini.deadline)}; then {mention(ini.sponsor_id)} decides."
    )


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
