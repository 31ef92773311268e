"""`/greenlight export [csv|json] [mine|all]`: the rows read first, then the file sent in a DM (files_upload_v2)."""

from __future__ import annotations

import io

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
    # Written as read, a page at a time; only the file's bytes are held whole, as the upload sends them at once.
    content = io.BytesIO()
    with gl.reading() as s, io.TextIOWrapper(content, encoding="utf-8", newline="", write_through=True) as out:
        initiatives, approvals = export.write(export.pages(s, who.team_id, now, where=where), fmt, out)
        data = content.getvalue()
    filename = f"greenlight-{scope}-{day.isoformat()}.{fmt}"
    counted = t(
        "{initiatives} and {approvals}",
        initiatives=tn("{n} initiative", "{n} initiatives", initiatives),
        approvals=tn("{n} approval", "{n} approvals", approvals),
    )
    dm = who.client.conversations_open(users=who.user_id)["channel"]["id"]
    who.client.files_upload_v2(
        channel=dm,
        filename=filename,
        title=t("Greenlight export ({scope}, {day})", scope=scope, day=day.isoformat()),
        content=data,
        initial_comment=t("Your Greenlight export: {counted}, one row each.", counted=counted),
    )
    return t(
        "I sent you *{filename}* in a DM: {counted}, with dates, waits in business hours, decisions, the "
        "sponsor's choice and the report. `/greenlight export json` gives the same as JSON.",
        filename=filename,
        counted=counted,
    )
