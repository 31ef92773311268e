"""Buttons: each acts for the person who clicked, with the same rights as the commands."""

from __future__ import annotations

from bot.blocks import modals
from bot.blocks.ids import Action
from bot.flows import commands, registration
from bot.flows.commands import Invocation
from bot.listeners.outcomes import attempt, ephemeral, outcome, settled
from bot.parsing import Due
from bot.services import away, escalation, nudges, personal, resubmission
from bot.services import initiatives as service

# Buttons that act at once: the service decides who may, and what an outdated click gets.
IMMEDIATE = {
    Action.APPROVE: service.approve,
    Action.SNOOZE: nudges.snooze,
    Action.PROCEED: escalation.proceed,
    Action.WITHDRAW: service.withdraw,
    Action.NUDGE: nudges.manual_nudge,
    Action.ANSWERED: service.answered_click,
}


# Buttons whose answer opens a form: the web process answers them (bot/answers.py), as Slack's trigger_id expires 3 s
# after the click.
OPEN_FORMS = frozenset(
    {Action.MY_CALENDAR, Action.NEW_INITIATIVE, Action.REJECT, Action.ASK, Action.EXTEND, Action.RESUBMIT}
)


def clicked(body) -> tuple[str, str, str]:
    """(team, user, initiative id as sent) of a button click; the id is only trusted within that team."""
    team_id = (body.get("team") or {}).get("id") or body["user"].get("team_id")
    return team_id, body["user"]["id"], str(body["actions"][0].get("value") or "")


def register(app, gl) -> None:
    def immediate(action, keep_buttons: bool, chosen=None):
        """`chosen(body)` → (initiative id, argument) for a menu, whose value carries both; a button passes ''."""

        def handler(ack, body, respond):
            ack()
            team_id, user_id, ini_id = clicked(body)
            ini_id, argument = chosen(body) if chosen else (ini_id, "")
            reply, done = attempt(
                lambda: gl.act(lambda s, now: action(s, service.find_by_id(s, team_id, ini_id), user_id, argument, now))
            )
            if done and body.get("message"):  # the clicked message shows what happened; a refusal changes nothing
                respond(replace_original=True, **settled(body["message"], reply["text"], keep_buttons=keep_buttons))
            else:
                ephemeral(respond, reply)
            gl.deliver_soon()

        return handler

    for action_id, action in IMMEDIATE.items():
        # After a snooze the approver still has to answer: the buttons stay.
        app.action(action_id.value)(immediate(action, keep_buttons=action_id is Action.SNOOZE))

    def snooze_choice(body) -> tuple[str, Due | str]:
        ini_id, _, choice = ((body["actions"][0].get("selected_option") or {}).get("value") or "").partition(":")
        return ini_id, "week" if choice == "week" else Due(business_days=3)

    app.action(Action.SNOOZE_FOR.value)(immediate(nudges.snooze, keep_buttons=True, chosen=snooze_choice))

    def turn_page(ack, body, respond, client):
        ack()
        team_id, user_id, text = clicked(body)
        who = Invocation(
            team_id, user_id, (body.get("channel") or {}).get("id", ""), body.get("trigger_id", ""), client
        )
        reply, done = attempt(lambda: commands.turn_page(gl, text, who))
        if done:
            respond(replace_original=True, **reply)
        else:
            ephemeral(respond, reply)

    for page_action in (Action.PREVIOUS_PAGE, Action.NEXT_PAGE):
        app.action(page_action.value)(turn_page)

    def opens_modal(check, build):
        """A button that opens a modal, after checking (read-only) that this person may act."""

        def handler(ack, body, respond, client):
            ack()
            team_id, user_id, ini_id = clicked(body)

            def open_modal():
                with gl.reading() as s:
                    ini = service.find_by_id(s, team_id, ini_id, lock=False)
                    check(ini, user_id)
                    view = build(ini, gl.clock.now())
                client.views_open(trigger_id=body["trigger_id"], view=view)

            reply = outcome(open_modal)
            if reply:
                ephemeral(respond, reply)
                gl.deliver_soon()  # shows a refusal on the Home tab, when clicked there

        return handler

    @app.action(Action.HISTORY.value)
    def older_events(ack, body, respond, client):
        """A page of older history: a new ephemeral reply, the clicked message stays as it was."""
        ack()
        team_id, user_id, value = clicked(body)
        ephemeral(respond, outcome(lambda: commands.older_events(gl, team_id, user_id, client, value)))

    def opens_form(build):
        """A Home button that opens a form for the person who clicked (nothing about an initiative to check)."""

        def handler(ack, body, respond, client):
            ack()
            team_id, user_id, _ = clicked(body)

            def open_form():
                client.views_open(trigger_id=body["trigger_id"], view=build(team_id, user_id))

            reply = outcome(open_form)
            if reply:
                ephemeral(respond, reply)
                gl.deliver_soon()

        return handler

    def calendar_form(team_id, user_id):
        return modals.my_calendar(
            *gl.act(lambda s, now: personal.form_values(s, team_id, user_id, now)),
            away=gl.act(lambda s, now: away.described(s, team_id, user_id, now)),
        )

    def registration_form(team_id, user_id):
        return registration.form(gl, team_id, None)

    form_openers = {
        Action.MY_CALENDAR: opens_form(calendar_form),
        Action.NEW_INITIATIVE: opens_form(registration_form),
        Action.REJECT: opens_modal(service.rejectable, lambda ini, now: modals.reject_reason(ini)),
        Action.ASK: opens_modal(service.askable, lambda ini, now: modals.ask_question(ini)),
        Action.EXTEND: opens_modal(escalation.extendable, modals.extend_deadline),
        Action.RESUBMIT: opens_modal(resubmission.resubmittable, modals.resubmit),
    }
    for action_id in OPEN_FORMS:  # a button that opens a form is registered only through OPEN_FORMS
        app.action(action_id.value)(form_openers[action_id])
