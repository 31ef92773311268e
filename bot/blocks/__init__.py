"""Pure Block Kit builders: plain values in, Slack message and view dicts out."""
