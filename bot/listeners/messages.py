"""Messages in conversations Greenlight takes part in: the owner's reply in the thread of an approver's question
answers it (Events API `message.mpim`)."""

from __future__ import annotations

from bot.services import initiatives as service


def register(app, gl) -> None:
    @app.event("message")
    def message_posted(event, body):
        if event.get("subtype") or event.get("bot_id") or not event.get("thread_ts") or not event.get("user"):
            return  # edits, joins, bots (ourselves included) and top-level messages answer nothing
        team_id = body.get("team_id") or event.get("team")
        answered = gl.act(
            lambda s, now: service.reply_in_thread(
                s, team_id, event.get("channel", ""), event["thread_ts"], event["user"], now
            )
        )
        if answered:
            gl.deliver_soon()
