"""The Bolt app: Slack's entry point, wired to Greenlight's listeners."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot import listeners
from bot.listeners import inputs, installs, language, observe, replays
from bot.manifest import bot_scopes


def authorization_url(api_url: str) -> str:
    """Where browsers are sent to approve an install: next to the Web API (slack.com, or GovSlack's)."""
    return api_url.removesuffix("/").removesuffix("/api") + "/oauth/v2/authorize"


def oauth(gl) -> dict:
    """Bolt's OAuth settings: slack_sdk's stores on our database, the manifest's scopes, our locked token refresh."""
    from slack_bolt.oauth.oauth_settings import OAuthSettings

    from bot.installations import STATE_SECONDS, RotatingAuthorize

    config, installations = gl.config, gl.installations
    settings = OAuthSettings(
        client_id=config.slack_client_id,
        client_secret=config.slack_client_secret,
        scopes=list(bot_scopes()),
        user_scopes=[],
        redirect_uri=config.slack_redirect_uri,
        installation_store=installations.store,
        state_store=installations.state_store,
        state_expiration_seconds=STATE_SECONDS,
        authorization_url=authorization_url(config.slack_api_url),
    )
    return dict(
        oauth_settings=settings, authorize=RotatingAuthorize(installations, logger=logging.getLogger("slack_bolt.App"))
    )


LISTENER_THREADS = 32  # Bolt acks in this pool too: 5 (its default) busy listeners would stop every ack


def build_app(gl, *, process_before_response: bool = False) -> App:
    """A Bolt app that verifies signatures and calls Slack at SLACK_API_URL; in OAuth mode it also serves
    /slack/install and /slack/oauth_redirect and acts in each workspace with that workspace's token."""
    app = observe.ObservedApp(
        signing_secret=gl.config.slack_signing_secret or "socket-mode",
        client=gl.client,
        process_before_response=process_before_response,
        # the request's log context travels into the listener threads
        listener_executor=observe.ContextCopyingExecutor(
            max_workers=LISTENER_THREADS, thread_name_prefix="bolt-listener"
        ),
        **(oauth(gl) if gl.installations else {}),
    )
    gl.answers.register(app)  # first: what an answer process answers is only acknowledged here
    listeners.register(app, gl)
    installs.register(app, gl)
    # Global middleware runs in this order, after the listeners' own (the Home's respond): the language first (it
    # reads nothing until a word is said), so that an answer to a repeat is in it too; a repeat is caught on its
    # exact body, before NULs are removed from what the listeners then read.
    language.register(app, gl)
    replays.register(app, gl)
    inputs.register(app)
    return app
