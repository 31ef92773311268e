"""Slack user groups as approvers: who is in a group (the cache bot/groups.py fills from Slack, at most daily), which
groups a person answers for, and what is wrong with a group named as an approver."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.i18n import t
from bot.text import is_group, mention
from storage.db import insert_ignore, upsert
from storage.models import GroupMember, UserGroup


def members(session: Session, team_id: str, group_id: str) -> list[str]:
    """The group's members as last read from Slack (none if it was never read, or does not exist)."""
    return list(
        session.scalars(
            select(GroupMember.user_id)
            .where(GroupMember.team_id == team_id, GroupMember.group_id == group_id)
            .order_by(GroupMember.user_id)
        )
    )


def of_person(session: Session, team_id: str, user_id: str) -> set[str]:
    """The groups this person is a member of (of those cached)."""
    return set(
        session.scalars(
            select(GroupMember.group_id).where(GroupMember.team_id == team_id, GroupMember.user_id == user_id)
        )
    )


def expand(session: Session, team_id: str, ids) -> dict[str, list[str]]:
    """{id: the people it stands for}: a person for themself, a group for its members."""
    return {i: members(session, team_id, i) if is_group(i) else [i] for i in ids}


def store(session: Session, team_id: str, group_id: str, users: list[str] | None, now: datetime) -> None:
    """What Slack said of a group: its members, or (None) that there is no such group."""
    session.execute(delete(GroupMember).where(GroupMember.team_id == team_id, GroupMember.group_id == group_id))
    if users is None:
        session.execute(delete(UserGroup).where(UserGroup.team_id == team_id, UserGroup.group_id == group_id))
        return
    upsert(session, UserGroup, [dict(team_id=team_id, group_id=group_id, fetched_at=now)], ["team_id", "group_id"])
    insert_ignore(
        session,
        GroupMember,
        [dict(team_id=team_id, group_id=group_id, user_id=u) for u in dict.fromkeys(users)],
        ["team_id", "group_id", "user_id"],
    )


def problems(session: Session, team_id: str, ids) -> list[str]:
    """What is wrong with the groups among these approvers: unknown to Slack, or without members."""
    groups = [i for i in dict.fromkeys(ids) if is_group(i)]
    known = set(
        session.scalars(select(UserGroup.group_id).where(UserGroup.team_id == team_id, UserGroup.group_id.in_(groups)))
    )
    found = []
    for g in groups:
        if g not in known:
            found.append(
                t(
                    "{group} is not a user group of this workspace (or it is disabled): name one that exists.",
                    group=mention(g),
                )
            )
        elif not members(session, team_id, g):
            found.append(
                t("{group} has no members, so nobody could answer for it: add people to it first.", group=mention(g))
            )
    return found
