"""Each request is answered in the language of the person who made it (SPEC §4, Language): their own choice, or their
Slack locale as last fetched; someone Greenlight has not met yet is looked up in Slack once their command is
acknowledged, so that even their first answer is in their language.

Nothing is read before the ack: the language is looked up when the first word is said (a form refused at its ack
is the exception), so that an ack never waits for the database."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.i18n import current, set_language
from bot.people import refresh_people
from bot.services.workspaces import reader_language
from storage.models import Person, Workspace


def _lookup(gl, team_id: str | None, user_id: str | None, met: dict):
    def language() -> str | None:
        if not team_id:
            return None
        with gl.reading() as session:  # the three columns that decide it, not the rows
            person = (
                session.execute(
                    select(Person.language, Person.locale).where(Person.team_id == team_id, Person.user_id == user_id)
                ).first()
                if user_id
                else None
            )
            met["person"] = person is not None
            ws = session.execute(select(Workspace.language).where(Workspace.team_id == team_id)).first()
            return reader_language(ws, person)

    return language


def register(app, gl) -> None:
    @app.middleware
    def in_their_language(context, next):
        context["met"] = met = {}
        set_language(_lookup(gl, context.team_id, context.user_id, met))
        return next()


def greet(gl, client, context) -> None:
    """After the ack: the language of someone met for the first time, from Slack (users.info, with their locale).
    If Slack does not answer, the workspace's language stands in; the command goes on."""
    current()  # looked up now, if nothing was said yet
    if context.get("met", {}).get("person", True):
        return
    try:
        refresh_people(gl, client, context.team_id, [context.user_id])
    except (SlackApiError, OSError):
        return
    set_language(_lookup(gl, context.team_id, context.user_id, {}))
