"""Installations: Slack says the app was uninstalled or its bot token revoked (OAuth mode: the workspace is stopped
and later deleted; one workspace: only said in the log); requests say through which organisation's org-wide
installation a workspace is served."""

from __future__ import annotations

import logging

from bot.services import installs

log = logging.getLogger(__name__)


def register(app, gl) -> None:
    tz = gl.config.timezone

    def uninstall(context, team_ids: list[str] | None = None) -> None:
        if gl.installations is None:  # SLACK_BOT_TOKEN is the operator's: only they can replace it
            log.error("Slack says the app was uninstalled or its bot token revoked: set a new SLACK_BOT_TOKEN")
            return
        where = installs.Installed.of(context)
        teams = gl.act(lambda session, now: installs.uninstalled(session, now, where, default_tz=tz, team_ids=team_ids))
        log.warning(
            "uninstalled from %s: nothing is sent to it any more; its data is deleted in %d days",
            ", ".join(teams) or context.enterprise_id,
            gl.config.uninstall_grace_days,
        )

    @app.event("app_uninstalled")
    def app_uninstalled(context):
        uninstall(context)

    @app.event("team_access_revoked")
    def team_access_revoked(event, context):  # an org-wide installation taken out of some of its workspaces
        uninstall(context, [t for t in event.get("team_ids") or [] if isinstance(t, str)])

    @app.event("tokens_revoked")
    def tokens_revoked(event, context):
        if (event.get("tokens") or {}).get("bot"):  # user tokens: Greenlight asks for none
            uninstall(context)

    seen: set[tuple[str, str]] = set()

    @app.middleware
    def remember_organisation(context, next):
        # An org-wide installation speaks for every workspace of the organisation: the jobs find a workspace's
        # token through the organisation recorded here (once per workspace and process).
        team, enterprise = context.team_id, context.enterprise_id
        if context.is_enterprise_install and team and enterprise and (team, enterprise) not in seen:
            gl.act(lambda session, now: installs.seen_in_organisation(session, now, team, enterprise, tz))
            seen.add((team, enterprise))
        return next()
