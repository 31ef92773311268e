"""Buttons: each acts for the person who clicked, with the same rights as the commands."""
from __future__ import annotations

from bot.blocks import modals
from bot.blocks.ids import Action
from bot.listeners.replies import ephemeral, outcome
from bot.services import initiatives as service


def register(app, gl) -> None:
    @app.action(Action.APPROVE.value)
    def approve(ack, body, respond):
        ack()
        team_id, user_id, ini_id = clicked(body)
        reply = outcome(lambda: gl.act(lambda s, now: service.approve(s, service.find_by_id(s, team_id, ini_id), user_id, "", now)))
        ephemeral(respond, reply)

    @app.action(Action.REJECT.value)
    def reject(ack, body, respond, client):
        ack()
        team_id, user_id, ini_id = clicked(body)

        def open_reason_modal():
            with gl.transaction() as s:
                ini = service.find_by_id(s, team_id, ini_id)
                service.rejectable(ini, user_id)
            client.views_open(trigger_id=body["trigger_id"], view=modals.reject_reason(ini))

        reply = outcome(open_reason_modal)
        if reply:
            ephemeral(respond, reply)


def clicked(body) -> tuple[str, str, int]:
    """(team, user, initiative id) of a button click; the id is only trusted within that team."""
    team_id = (body.get("team") or {}).get("id") or body["user"].get("team_id")
    return team_id, body["user"]["id"], int(body["actions"][0]["value"])

