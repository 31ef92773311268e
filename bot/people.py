"""The people cache: what Slack's users.info says about someone, fetched at most daily."""
from __future__ import annotations

from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Approval, Initiative, Person

FRESH_FOR = timedelta(days=1)


def refresh_people(session: Session, client: WebClient, team_id: str, user_ids, now: datetime) -> dict[str, Person]:
    """Make sure each person is cached and no older than a day; unknown users are left out."""
    people = {}
    for user_id in dict.fromkeys(u for u in user_ids if u):
        person = session.get(Person, (team_id, user_id))
        if person is None or now - person.fetched_at > FRESH_FOR:
            try:
                user = client.users_info(user=user_id)["user"]
            except SlackApiError as e:
                if e.response.get("error") not in ("user_not_found", "users_not_found"):
                    raise
                continue
            person = person or Person(team_id=team_id, user_id=user_id)
            profile = user.get("profile") or {}
            person.display_name = profile.get("display_name") or user.get("real_name") or user.get("name") or user_id
            person.tz = user.get("tz") or "UTC"
            person.is_bot = bool(user.get("is_bot")) or user_id == "USLACKBOT"
            person.deleted = bool(user.get("deleted"))
            person.is_admin = bool(user.get("is_admin") or user.get("is_owner"))
            person.fetched_at = now
            session.add(person)
        people[user_id] = person
    session.flush()
    return people


def stale_approvers(session: Session, now: datetime, limit: int) -> list[tuple[str, str]]:
    """(team, user) of people cached over a day ago who have a pending sign-off on an open initiative."""
    waiting = (
        select(Approval.id).join(Initiative)
        .where(Approval.approver_id == Person.user_id, Initiative.team_id == Person.team_id,
               Approval.decision == "pending", Initiative.status == "open")
        .exists()
    )
    return list(session.execute(
        select(Person.team_id, Person.user_id).where(Person.fetched_at < now - FRESH_FOR, waiting).limit(limit)
    ).all())
