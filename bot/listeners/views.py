"""Modal submissions: validate before the ack (errors shown on the field), then act."""
from __future__ import annotations

import re
from datetime import date

from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.blocks import register as registration_form
from bot.blocks.ids import View
from bot.blocks.modals import submitted_date, submitted_text
from bot.commands import Due
from bot.listeners.commands import Invocation, register_draft
from bot.listeners.replies import SLACK_DOWN
from bot.services import Refusal, escalation
from bot.services import initiatives as service
from storage.models import Person

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def register(app, gl) -> None:
    def on_submit(field: str, read, act):
        """A submission about one initiative: read the field, act, and show a refusal on the field."""
        def handler(ack, body, view):
            team_id, user_id = body["team"]["id"], body["user"]["id"]
            value = read(view, field)
            if not value:
                return ack(response_action="errors", errors={field: "Please fill this in."})
            try:
                gl.act(lambda s, now: act(s, service.find_by_id(s, team_id, int(view["private_metadata"])),
                                          user_id, value, now))
            except Refusal as e:
                return ack(response_action="errors", errors={field: str(e)})
            ack()
            gl.deliver_soon()
        return handler

    def dated(view, field):
        picked = submitted_date(view, field)
        return Due(on=date.fromisoformat(picked)) if picked else None

    @app.view(View.REGISTER.value)
    def registration(ack, body, view, client):
        """The form of `/greenlight new`: every problem shown on its field, nothing stored until all is well."""
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        answers = registration_form.submitted(view)
        picked = answers.pop("on")
        draft = service.Draft(**answers, due=Due(on=picked) if picked else None)
        try:
            confirmation = register_draft(gl, draft, Invocation(team_id, user_id, "", "", client))
        except service.RegistrationInvalid as e:
            errors = {field: plain_names(gl, team_id, text) for field, text in e.errors.items()}
            return ack(response_action="errors", errors=errors)
        except SlackApiError:
            return ack(response_action="errors", errors={registration_form.APPROVERS: SLACK_DOWN})
        ack(response_action="update", view=registration_form.registered(confirmation))
        gl.deliver_soon()

    app.view(View.REJECT.value)(on_submit("reason", submitted_text, service.reject))
    app.view(View.EXTEND.value)(on_submit("deadline", dated, escalation.extend))
    app.view(View.ASK.value)(on_submit("question", submitted_text, service.ask_owner))


def plain_names(gl, team_id: str, text: str) -> str:
    """Field errors are plain text in Slack: show '@name' where the message has a mention."""
    ids = set(MENTION.findall(text))
    if not ids:
        return text
    with gl.transaction() as s:
        names = {p.user_id: p.display_name for p in s.scalars(
            select(Person).where(Person.team_id == team_id, Person.user_id.in_(ids)))}
    return MENTION.sub(lambda m: "@" + (names.get(m.group(1)) or m.group(1)), text)
