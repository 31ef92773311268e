"""The App Home tab: published when someone opens it; answers to its buttons shown on top of it."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot import home_refresh

log = logging.getLogger(__name__)


def register(app, gl) -> None:
    @app.event("app_home_opened")
    def home_opened(event, body, client):
        if event.get("tab", "home") != "home":
            return
        team_id = body.get("team_id") or event.get("view", {}).get("team_id")
        try:
            home_refresh.opened(gl, client, team_id, event["user"])
        except SlackApiError as e:
            log.warning("could not publish the App Home of %s: %s", event["user"], e.response.get("error"))

    @app.middleware
    def answer_home_clicks_on_the_home(body, context, next):
        # A click on the Home tab has no response_url, so the button handlers' `respond` (shared with
        # the buttons in DMs) would fail: there, the answer is shown on top of the republished Home.
        if body.get("type") == "block_actions" and (body.get("view") or {}).get("type") == "home":
            context["respond"] = HomeNotice(
                gl, context.get("team_id") or body["user"].get("team_id"), body["user"]["id"]
            )
        return next()


class HomeNotice:
    """Stands in for Bolt's respond() on the Home tab: the answer goes on top of the Home at its next refresh."""

    def __init__(self, gl, team_id: str, user_id: str):
        self.gl, self.team_id, self.user_id = gl, team_id, user_id
        self.response_url = None

    def __call__(self, text: str | dict = "", **reply) -> None:
        notice = text.get("text", "") if isinstance(text, dict) else (text or reply.get("text", ""))
        self.gl.notice_on_home(self.team_id, self.user_id, notice)
