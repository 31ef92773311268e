"""Each request is answered in the language of the person who made it (SPEC §4, Language): their own choice, their
Slack locale as last fetched, or the workspace's language for someone Greenlight has not met yet."""

from __future__ import annotations

from bot.i18n import set_language
from bot.services.workspaces import reader_language
from storage.models import Person, Workspace


def register(app, gl) -> None:
    @app.middleware
    def in_their_language(context, next):
        team_id, user_id = context.team_id, context.user_id
        lang = None
        if team_id:
            with gl.reading() as session:
                ws = session.get(Workspace, team_id)
                person = session.get(Person, (team_id, user_id)) if user_id else None
                lang = reader_language(ws, person)
        set_language(lang)
        return next()
