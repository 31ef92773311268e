"""`/greenlight stats [30|90|365]`: Slack says who asks and which channels they are in, then one read."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.blocks.stats import stats_blocks
from bot.flows import visibility as visibility_flow
from bot.i18n import tn
from bot.services import stats as service
from bot.services import visibility
from bot.services.workspaces import workspace
from storage.models import Initiative


def run(gl, cmd, who) -> dict:
    days = int(cmd.key)
    since = gl.clock.now() - timedelta(days=days)
    with gl.reading() as s:
        channels = set(
            s.scalars(
                select(Initiative.channel_id)
                .where(Initiative.team_id == who.team_id, Initiative.created_at >= since)
                .distinct()
            )
        )
    viewer = visibility_flow.viewer(gl, who.client, who.team_id, who.user_id, channels)
    with gl.transaction() as s:  # may create the workspace row on first use
        now = gl.clock.now()
        ws = workspace(s, who.team_id, now=now, default_tz=gl.config.timezone)
        result = service.stats(s, ws, days, now, only=lambda ini: visibility.can_see(ini, viewer))
        return {
            "text": tn("Greenlight stats: the last {n} day", "Greenlight stats: the last {n} days", days),
            "blocks": stats_blocks(result),
        }
