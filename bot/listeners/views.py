"""Modal submissions: validate before the ack (errors shown on the field), then act."""
from __future__ import annotations

from bot.blocks.ids import View
from bot.blocks.modals import submitted_text
from bot.services import Refusal
from bot.services import initiatives as service


def register(app, gl) -> None:
    @app.view(View.REJECT.value)
    def reject_reason(ack, body, view):
        team_id, user_id = body["team"]["id"], body["user"]["id"]
        reason = submitted_text(view, "reason")
        if not reason:
            return ack(response_action="errors", errors={"reason": "Please say why, so the owner can act on it."})
        try:
            gl.act(lambda s, now: service.reject(s, service.find_by_id(s, team_id, int(view["private_metadata"])),
                                                 user_id, reason, now), deliver=False)
        except Refusal as e:
            return ack(response_action="errors", errors={"reason": str(e)})
        ack()
        gl.deliver()
