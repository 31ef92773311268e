"""The Bolt app: Slack's entry point, wired to Greenlight's listeners."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App

from bot import listeners

LISTENER_THREADS = 32  # Bolt acks in this pool too: 5 (its default) busy listeners would stop every ack


def build_app(gl, *, process_before_response: bool = False) -> App:
    """A Bolt app that verifies signatures and calls Slack at SLACK_API_URL."""
    app = App(
        signing_secret=gl.settings.slack_signing_secret or "socket-mode",
        client=gl.client,
        process_before_response=process_before_response,
        listener_executor=ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="bolt-listener"),
    )
    listeners.register(app, gl)
    return app
