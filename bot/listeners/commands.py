"""The /greenlight slash command: ack, parse the text, run it, answer ephemerally."""

from __future__ import annotations

from bot.flows.commands import Invocation, run
from bot.listeners.outcomes import ephemeral, outcome
from bot.parsing import parse


def register(app, gl) -> None:
    @app.command("/greenlight")
    def greenlight(ack, command, respond, client):
        ack()
        who = Invocation(
            command["team_id"], command["user_id"], command.get("channel_id", ""), command.get("trigger_id", ""), client
        )
        reply = outcome(lambda: run(gl, parse(command.get("text", "")), who))
        if reply:
            ephemeral(respond, reply)
        gl.deliver_soon()  # after the reply, so the person never waits for the DMs their command caused
