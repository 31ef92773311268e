"""Bolt handlers by kind of Slack input; each module exposes register(app, gl)."""

from __future__ import annotations

from bot.listeners import actions, commands, home, messages, views


def register(app, gl) -> None:
    commands.register(app, gl)
    actions.register(app, gl)
    views.register(app, gl)
    home.register(app, gl)
    messages.register(app, gl)
