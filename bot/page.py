"""The page for people (not Slack) at /: what Greenlight is, how to add it, what it stores and for how long, who runs
it. Plain server-rendered HTML, readable on a phone; no script."""

from __future__ import annotations

from html import escape

ADD_TO_SLACK_PATH = "/slack/install"

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Greenlight: approvals that do not stall</title>
<style>
  body {{ font: 17px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1d1c1d;
         background: #f4f7f4; }}
  main {{ max-width: 40rem; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; background: #fff; min-height: 100vh; }}
  header {{ border-bottom: 4px solid #2eb67d; margin-bottom: 1.5rem; }}
  h1 {{ font-size: 2rem; margin: 0.5rem 0; }}
  h1 span {{ color: #2eb67d; }}
  h2 {{ font-size: 1.25rem; margin-top: 2rem; }}
  .add {{ display: inline-block; background: #4a154b; color: #fff; padding: 0.75rem 1.25rem; border-radius: 6px;
          text-decoration: none; font-weight: 600; }}
  code {{ background: #eef2ee; padding: 0 0.25rem; border-radius: 3px; }}
  li {{ margin: 0.35rem 0; }}
</style>
</head>
<body>
<main>
<header><h1><span>&#9679;</span> Greenlight</h1></header>
<p>Greenlight is a Slack app that keeps approvals from stalling. Register an initiative with its approvers and a
sponsor; Greenlight reminds each approver in their own working hours, and when the deadline passes asks the sponsor
whether to <strong>proceed and report</strong>. Every week it posts a summary of what waits on whom.</p>
{install}
<h2>Privacy</h2>
<p>What Greenlight stores, in its own database:</p>
<ul>
  <li>initiatives as they were typed (title, details, deadline, channel), the people involved (Slack user ids) and
      every decision, comment and reminder, so that the history can be shown;</li>
  <li>for each person it reminds: their Slack display name and time zone, re-read from Slack at most daily;</li>
  <li>the messages it is about to send, and for a day the requests Slack sent it (so a retried request acts once).</li>
</ul>
<p>How long: initiatives and their history stay until the workspace asks for their deletion; sent messages are
kept with them; the record of handled requests is deleted after one day. Greenlight reads no other messages, files
or channels.</p>
<p>How to delete it: ask the contact below to delete a person's data or a whole workspace's data; uninstalling the
app from the workspace stops all reminders.</p>
<h2>Contact</h2>
<p>{contact}</p>
</main>
</body>
</html>
"""


def render(contact: str, *, install_url: str | None = None) -> str:
    """The page; with `install_url` (multi-workspace mode) it carries an "Add to Slack" button."""
    install = (
        f'<p><a class="add" href="{escape(install_url)}">Add to Slack</a></p>'
        if install_url
        else "<p>Use it in Slack with <code>/greenlight help</code>.</p>"
    )
    if contact:
        link = f"mailto:{contact}" if "@" in contact and "://" not in contact else contact
        who = (
            f'<a href="{escape(link)}">{escape(contact)}</a>'
            if link.startswith(("mailto:", "https://"))
            else escape(contact)
        )
    else:
        who = "the administrators of your Slack workspace, who installed Greenlight."
    return PAGE.format(install=install, contact=who)
