"""A workspace's life as an installation: installed (or re-installed), uninstalled, and its data deleted once the
grace period has passed. An uninstalled workspace gets nothing sent and nothing swept (see `still_installed`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, exists, select, tuple_, update
from sqlalchemy.orm import Session

from bot.services.workspaces import workspace
from storage.db import upsert
from storage.models import SLACK_BOTS, SLACK_INSTALLATIONS, SLACK_OAUTH_STATES, Base, Heartbeat, Initiative, Workspace

PURGE_BATCH = 500  # rows deleted per transaction: a large workspace never holds the write lock for long
NOT_TEAM_DATA = {
    Workspace.__tablename__,
    SLACK_INSTALLATIONS.name,
    SLACK_BOTS.name,
    SLACK_OAUTH_STATES.name,
    Heartbeat.__tablename__,
}


def still_installed(team_id_column) -> ColumnElement[bool]:
    """A condition on a team id column: the workspace has not been uninstalled (the sender's and the sweep's filter)."""
    return ~exists().where(Workspace.team_id == team_id_column, Workspace.uninstalled_at.is_not(None))


@dataclass(frozen=True)
class Installed:
    """Where an installation (or an event about one) applies: a workspace, or an organisation when org-wide."""

    team_id: str | None
    enterprise_id: str | None
    org_wide: bool

    @classmethod
    def of(cls, source) -> Installed:
        """From slack_sdk's Installation or Bolt's context (both carry team_id, enterprise_id, is_enterprise_install)."""
        return cls(source.team_id, source.enterprise_id, bool(source.is_enterprise_install))


def installed(session: Session, now: datetime, where: Installed, *, default_tz: str) -> None:
    """An installation was saved (an install, a re-install within the grace period): its workspaces are served again.

    A workspace installation records its organisation; an org-wide one resumes every workspace of it seen so far."""
    team_id, enterprise_id, org_wide = where.team_id, where.enterprise_id, where.org_wide
    if team_id and not org_wide:
        ws = workspace(session, team_id, now=now, default_tz=default_tz)
        ws.enterprise_id, ws.uninstalled_at = enterprise_id, None
    elif enterprise_id:
        session.execute(update(Workspace).where(Workspace.enterprise_id == enterprise_id).values(uninstalled_at=None))


def seen_in_organisation(session: Session, now: datetime, team_id: str, enterprise_id: str, default_tz: str) -> None:
    """A request came from this workspace through its organisation's org-wide installation: remember which one."""
    ws = workspace(session, team_id, now=now, default_tz=default_tz)
    if ws.enterprise_id != enterprise_id:
        ws.enterprise_id = enterprise_id


def uninstalled(
    session: Session, now: datetime, where: Installed, *, default_tz: str, team_ids: list[str] | None = None
) -> list[str]:
    """Slack said the app was uninstalled (or its bot token revoked): stop everything for these workspaces at once.

    Returns the workspaces concerned: `team_ids` when given (an org-wide install that lost some workspaces), else
    every workspace of the organisation for an org-wide install, else the one."""
    team_id, enterprise_id, org_wide = where.team_id, where.enterprise_id, where.org_wide
    if team_ids is not None:
        teams = list(team_ids)
    elif org_wide and enterprise_id:
        teams = list(session.scalars(select(Workspace.team_id).where(Workspace.enterprise_id == enterprise_id)))
    else:
        teams = [team_id] if team_id else []
    for team in teams:
        ws = workspace(session, team, now=now, default_tz=default_tz)
        if ws.uninstalled_at is None:
            ws.uninstalled_at = now
    return teams


def purge_step(session: Session, now: datetime, grace: timedelta) -> bool:
    """Delete one batch of the data of a workspace uninstalled more than `grace` ago; False when none is left.

    Every table with a team_id column is emptied of the workspace's rows, and every table that hangs off an
    initiative of it (approvals), children first; the installation and, last, the workspace row follow."""
    team = session.scalar(
        select(Workspace)
        .where(Workspace.uninstalled_at <= now - grace)
        .order_by(Workspace.uninstalled_at)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if team is None:
        return False
    initiatives = select(Initiative.id).where(Initiative.team_id == team.team_id)
    for table in reversed(Base.metadata.sorted_tables):
        if table.name in NOT_TEAM_DATA:
            continue
        if "team_id" in table.c:
            mine = table.c.team_id == team.team_id
        elif "initiative_id" in table.c:
            mine = table.c.initiative_id.in_(initiatives)
        else:
            continue
        key = tuple_(*table.primary_key.columns)
        batch = select(*table.primary_key.columns).where(mine).limit(PURGE_BATCH)
        if session.execute(batch.limit(1)).first() is not None:
            session.execute(delete(table).where(key.in_(batch)))
            return True
    _forget_installation(session, team)
    session.delete(team)
    return True


def _forget_installation(session: Session, ws: Workspace) -> None:
    """The workspace's own installation, and its organisation's org-wide one once no workspace of it is installed."""
    for table in (SLACK_INSTALLATIONS, SLACK_BOTS):
        session.execute(delete(table).where(table.c.team_id == ws.team_id, table.c.is_enterprise_install.is_(False)))
    if ws.enterprise_id is None:
        return
    others = select(Workspace.team_id).where(
        Workspace.enterprise_id == ws.enterprise_id, Workspace.team_id != ws.team_id, Workspace.uninstalled_at.is_(None)
    )
    if session.execute(others.limit(1)).first() is None:
        for table in (SLACK_INSTALLATIONS, SLACK_BOTS):
            session.execute(
                delete(table).where(table.c.enterprise_id == ws.enterprise_id, table.c.is_enterprise_install.is_(True))
            )


def beat(session: Session, now: datetime, name: str = "sweep") -> None:
    """Record that a recurring job ran now (`doctor` reads it)."""
    upsert(session, Heartbeat, [{"name": name, "at": now}], ["name"])
