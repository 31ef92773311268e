"""The /greenlight slash command: ack, parse the text, run it, answer ephemerally."""

from __future__ import annotations

from datetime import date

from bot.calendar import zone
from bot.flows.commands import Invocation, run
from bot.listeners import language
from bot.listeners.outcomes import ephemeral, outcome
from bot.parsing import parse
from storage.models import Workspace


def register(app, gl) -> None:
    def workspace_today(team_id: str) -> date:
        """The date in the workspace's time zone, for a date typed without its year ('30.4.')."""
        with gl.reading() as s:
            ws = s.get(Workspace, team_id)
        return gl.clock.now().astimezone(zone(ws.timezone if ws else gl.config.timezone)).date()

    @app.command("/greenlight")
    def greenlight(ack, command, respond, client, context):
        ack()
        language.greet(gl, client, context)
        who = Invocation(
            command["team_id"], command["user_id"], command.get("channel_id", ""), command.get("trigger_id", ""), client
        )
        today = lambda: workspace_today(who.team_id)  # noqa: E731 (asked only when a date has no year)
        reply = outcome(lambda: run(gl, parse(command.get("text", ""), today), who))
        if reply:
            ephemeral(respond, reply)
        gl.deliver_soon()  # after the reply, so the person never waits for the DMs their command caused
