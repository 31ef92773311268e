"""The user group cache: who is in a Slack user group, as usergroups.users.list says, read at most daily.

As with the people cache, Slack is asked with no transaction open."""

from __future__ import annotations

from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.i18n import N_, t
from bot.people import refresh_people
from bot.services import Refusal
from bot.services import groups as cache
from bot.services.installs import still_installed
from bot.text import is_group
from storage.enums import Status
from storage.models import Approval, Initiative, UserGroup

FRESH_FOR = timedelta(days=1)
SCOPE_MISSING = N_(
    "I can't read Slack user groups: the app lacks the `usergroups:read` scope. Ask an admin to reinstall it "
    "from manifest.yml, or name people instead. Nothing changed."
)


def refresh_groups(gl, client: WebClient, team_id: str, ids) -> None:
    """Make sure each user group among `ids` is cached and no older than a day, with its members' profiles."""
    wanted = {i for i in ids if i and is_group(i)}
    if not wanted:
        return
    now = gl.clock.now()
    with gl.reading() as session:
        fresh = set(
            session.scalars(
                select(UserGroup.group_id).where(
                    UserGroup.team_id == team_id,
                    UserGroup.group_id.in_(wanted),
                    UserGroup.fetched_at >= now - FRESH_FOR,
                )
            )
        )
    read = {}
    for group_id in sorted(wanted - fresh):
        try:
            read[group_id] = client.usergroups_users_list(usergroup=group_id)["users"]
        except SlackApiError as e:
            error = e.response.get("error")
            if error == "missing_scope":
                raise Refusal(t(SCOPE_MISSING)) from None
            if error == "plan_upgrade_required":
                raise Refusal(
                    t("This workspace's Slack plan has no user groups: name people instead. Nothing changed.")
                ) from None
            if error not in ("no_such_subteam", "subteam_not_found"):
                raise
            read[group_id] = None
    if read:
        with gl.transaction() as session:
            for group_id, users in read.items():
                cache.store(session, team_id, group_id, users, now)
    people = [u for users in read.values() if users for u in users]
    if people:
        refresh_people(gl, client, team_id, people)


def stale_groups(session, now, limit: int) -> list[tuple[str, str]]:
    """(team, group) of user groups still asked to answer whose members were read more than a day ago."""
    return list(
        session.execute(
            select(UserGroup.team_id, UserGroup.group_id)
            .join(Approval, Approval.approver_id == UserGroup.group_id)
            .join(Initiative, (Initiative.id == Approval.initiative_id) & (Initiative.team_id == UserGroup.team_id))
            .where(
                UserGroup.fetched_at < now - FRESH_FOR,
                Approval.decision == "pending",
                Initiative.status.in_((Status.OPEN, Status.ESCALATED)),
                still_installed(Initiative.team_id),
            )
            .distinct()
            .limit(limit)
        ).all()
    )
