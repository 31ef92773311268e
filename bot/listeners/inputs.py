"""Text from Slack made storable before any listener sees it: NUL characters, which PostgreSQL refuses
in text and nobody means to type, are removed from every string of the request."""

from __future__ import annotations


def without_nul(node):
    """Remove "\\x00" from every string in a parsed request, in place (Bolt's listener arguments share it)."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for k, value in items:
        if isinstance(value, str):
            if "\x00" in value:
                node[k] = value.replace("\x00", "")
        else:
            without_nul(value)
    return node


def register(app) -> None:
    @app.middleware
    def strip_nul(request, next):
        without_nul(request.body)
        return next()
