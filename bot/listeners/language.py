"""Each request is answered in the language of the person who made it (SPEC §4, Language): their own choice, or their
Slack locale as last fetched; someone Greenlight has not met yet is looked up in Slack once their command is
acknowledged, so that even their first answer is in their language."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from bot.i18n import set_language
from bot.people import refresh_people
from bot.services.workspaces import reader_language
from storage.models import Person, Workspace


def _set(gl, team_id: str | None, user_id: str | None) -> bool:
    """Speak the person's language for the rest of the request; False if Greenlight does not know them yet."""
    person = None
    if team_id:
        with gl.reading() as session:
            ws = session.get(Workspace, team_id)
            person = session.get(Person, (team_id, user_id)) if user_id else None
            set_language(reader_language(ws, person))
    else:
        set_language(None)
    return person is not None


def register(app, gl) -> None:
    @app.middleware
    def in_their_language(context, next):
        context["met"] = _set(gl, context.team_id, context.user_id)
        return next()


def greet(gl, client, context) -> None:
    """After the ack: the language of someone met for the first time, from Slack (users.info, with their locale).
    If Slack does not answer, the workspace's language stands in; the command goes on."""
    if context.get("met", True):
        return
    try:
        refresh_people(gl, client, context.team_id, [context.user_id])
    except (SlackApiError, OSError):
        return
    _set(gl, context.team_id, context.user_id)
