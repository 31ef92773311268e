"""The Bolt app: Slack's entry point, wired to Greenlight's listeners."""
from __future__ import annotations

from slack_bolt import App

from bot import listeners
from bot.listeners import inputs, observe, replays


def build_app(gl, *, process_before_response: bool = False) -> App:
    """A Bolt app that verifies signatures and calls Slack at SLACK_API_URL."""
    app = observe.ObservedApp(
        signing_secret=gl.config.slack_signing_secret or "socket-mode",
        client=gl.client,
        process_before_response=process_before_response,
        listener_executor=observe.ContextCopyingExecutor(max_workers=5),  # Bolt's default size; keeps the log context
    )
    listeners.register(app, gl)
    # Global middleware runs in this order, after the listeners' own (the Home's respond): a repeat is caught
    # on its exact body, before NULs are removed from what the listeners then read.
    replays.register(app, gl)
    inputs.register(app)
    return app
