"""Modal submissions: validate before the ack (errors shown on the field), then act."""

from __future__ import annotations

from datetime import date

from slack_sdk.errors import SlackApiError

from bot.blocks import modals
from bot.blocks import register as registration_form
from bot.blocks.ids import View
from bot.blocks.modals import submitted_date, submitted_text
from bot.flows import registration
from bot.i18n import t
from bot.listeners.outcomes import SLACK_DOWN
from bot.parsing import Due
from bot.people import refresh_people
from bot.services import Refusal, escalation, personal, resubmission
from bot.services import initiatives as service


def register(app, gl) -> None:
    def on_submit(field: str, read, act):
        """A submission about one initiative: read the field, act, and show a refusal on the field."""

        def handler(ack, body, view):
            team_id, user_id = body["team"]["id"], body["user"]["id"]
            value = read(view, field)
            if not value:
                return ack(response_action="errors", errors={field: t("Please fill this in.")})
            try:
                gl.act(
                    lambda s, now: act(s, service.find_by_id(s, team_id, view["private_metadata"]), user_id, value, now)
                )
            except Refusal as e:
                return ack(response_action="errors", errors={field: str(e)})
            ack()
            gl.deliver_soon()

        return handler

    def dated(view, field):
        picked = submitted_date(view, field)
        return Due(on=date.fromisoformat(picked)) if picked else None

    @app.view(View.REGISTER.value)
    def registration_form_submitted(ack, body, view, client):
        """The form of `/greenlight new`: every problem shown on its field, nothing stored until all is well."""
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        try:
            confirmation = registration.register(gl, client, team_id, user_id, registration_form.submitted(view))
        except service.RegistrationInvalid as e:
            return ack(response_action="errors", errors=registration.field_errors(gl, team_id, e.errors))
        except (SlackApiError, OSError):
            return ack(response_action="errors", errors={registration_form.APPROVERS: t(SLACK_DOWN)})
        ack(response_action="update", view=registration_form.registered(confirmation))
        gl.deliver_soon()

    @app.view(View.MY_CALENDAR.value)
    def my_calendar_submitted(ack, body, view, client):
        """The App Home's calendar form: every key saved in one transaction, or each problem on its field."""
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        typed = {key: submitted_text(view, key) for key in modals.CALENDAR_FIELDS}
        typed[modals.DIGEST] = modals.submitted_choice(view, modals.DIGEST) or "off"
        typed[modals.LANGUAGE] = modals.submitted_choice(view, modals.LANGUAGE) or modals.AUTO
        picked = submitted_date(view, modals.AWAY_UNTIL)
        away = (date.fromisoformat(picked) if picked else None, modals.submitted_user(view, modals.DELEGATE))
        try:
            refresh_people(gl, client, team_id, [user_id, away[1]])  # is the delegate a person who can answer?
        except (SlackApiError, OSError):
            return ack(response_action="errors", errors={modals.DELEGATE: t(SLACK_DOWN)})
        try:
            said = gl.act(lambda s, now: personal.save_form(s, team_id, user_id, typed, now, away))
        except personal.FormInvalid as e:
            return ack(response_action="errors", errors=e.errors)
        ack()
        gl.notice_on_home(team_id, user_id, said)
        gl.deliver_soon()  # republishes the Home with the answer on top

    app.view(View.REJECT.value)(on_submit("reason", submitted_text, service.reject))
    app.view(View.EXTEND.value)(on_submit("deadline", dated, escalation.extend))

    def resubmission_of(view, field):
        changed = submitted_text(view, field)
        return changed and (changed, dated(view, "deadline"), modals.submitted_fresh(view))

    app.view(View.RESUBMIT.value)(
        on_submit(
            "changed",
            resubmission_of,
            lambda s, ini, user_id, value, now: resubmission.resubmit(s, ini, user_id, *value, now),
        )
    )
    app.view(View.ASK.value)(on_submit("question", submitted_text, service.ask_owner))
