"""`/greenlight export [csv|json] [mine|all]`: the rows written to a file as read, then the file sent in a DM."""

from __future__ import annotations

import io
import tempfile
import urllib.request
from typing import BinaryIO

from bot.flows import visibility as visibility_flow
from bot.i18n import t, tn
from bot.services import Refusal, export, visibility
from bot.services.workspaces import today, workspace


def run(gl, cmd, who) -> str:
    """Send the person a file of the initiatives they may take away: theirs, or (admins) all of the workspace."""
    fmt, scope = cmd.key, cmd.value
    viewer = visibility_flow.viewer(gl, who.client, who.team_id, who.user_id)
    if scope == "all" and not viewer.is_admin:
        raise Refusal(
            t(
                "Only workspace admins can export all initiatives. `/greenlight export` sends you yours "
                "(the ones you own, sponsor or approve)."
            )
        )
    where = visibility.condition(viewer) if scope == "all" else visibility.taking_part(viewer)
    now = gl.clock.now()
    with gl.transaction() as s:  # may create the workspace row on first use
        day = today(workspace(s, who.team_id, now=now, default_tz=gl.config.timezone), now)
    filename = f"greenlight-{scope}-{day.isoformat()}.{fmt}"
    with tempfile.TemporaryFile() as file:  # written as read, a page at a time, and sent from disk
        with gl.reading() as s:
            out = io.TextIOWrapper(file, encoding="utf-8", newline="")
            initiatives, approvals = export.write(export.pages(s, who.team_id, now, where=where), fmt, out)
            out.detach()  # flushed; the file stays open
        counted = t(
            "{initiatives} and {approvals}",
            initiatives=tn("{n} initiative", "{n} initiatives", initiatives),
            approvals=tn("{n} approval", "{n} approvals", approvals),
        )
        send_file(
            who.client,
            who.client.conversations_open(users=who.user_id)["channel"]["id"],
            file,
            filename=filename,
            title=t("Greenlight export ({scope}, {day})", scope=scope, day=day.isoformat()),
            comment=t("Your Greenlight export: {counted}, one row each.", counted=counted),
        )
    return t(
        "I sent you *{filename}* in a DM: {counted}, with dates, waits in business hours, decisions, the "
        "sponsor's choice and the report. `/greenlight export json` gives the same as JSON.",
        filename=filename,
        counted=counted,
    )


def send_file(client, channel: str, file: BinaryIO, *, filename: str, title: str, comment: str) -> None:
    """Share a file in a conversation through Slack's three upload steps, its bytes streamed from `file`
    (files_upload_v2 reads a whole file into memory first)."""
    length = file.seek(0, io.SEEK_END)
    file.seek(0)
    upload = client.files_getUploadURLExternal(filename=filename, length=length)
    request = urllib.request.Request(
        upload["upload_url"], data=file, method="POST", headers={"Content-Length": str(length)}
    )
    with urllib.request.urlopen(request, timeout=client.timeout, context=client.ssl) as answer:
        answer.read()
    client.files_completeUploadExternal(
        files=[{"id": upload["file_id"], "title": title}], channel_id=channel, initial_comment=comment
    )
