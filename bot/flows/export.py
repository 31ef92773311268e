"""`/greenlight export [csv|json] [mine|all]`: the rows read first, then the file sent in a DM (files_upload_v2)."""

from __future__ import annotations

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
    admits = (
        (lambda ini: visibility.can_see(ini, viewer))
        if scope == "all"
        else (lambda ini: visibility.takes_part(ini, who.user_id))
    )
    now = gl.clock.now()
    with gl.transaction() as s:  # may create the workspace row on first use
        table = export.rows(s, who.team_id, now, only=admits)
        day = today(workspace(s, who.team_id, now=now, default_tz=gl.config.timezone), now)
    initiatives = sum(1 for r in table if r["row"] == "initiative")
    approvals = len(table) - initiatives
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
        content=export.render(table, fmt).encode("utf-8"),
        initial_comment=t("Your Greenlight export: {counted}, one row each.", counted=counted),
    )
    return t(
        "I sent you *{filename}* in a DM: {counted}, with dates, waits in business hours, decisions, the "
        "sponsor's choice and the report. `/greenlight export json` gives the same as JSON.",
        filename=filename,
        counted=counted,
    )
