"""Greenlight: a Slack bot that keeps approvals from stalling."""
