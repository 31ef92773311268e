"""The people cache: what Slack's users.info says about someone, fetched at most daily.

Slack is asked with no transaction open: a slow Slack never holds a database lock (on SQLite, the
write lock of every other process)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services import away
from bot.services.installs import still_installed
from storage.db import upsert
from storage.models import AWAY_WORDS, Approval, Initiative, Person, Workspace

FRESH_FOR = timedelta(days=1)
UNKNOWN = ("user_not_found", "users_not_found")


def fresh(person: Person | None, now: datetime) -> bool:
    """Whether this cached person needs no refresh from Slack."""
    return person is not None and person.fetched_at is not None and person.fetched_at >= now - FRESH_FOR


def refresh_people(gl, client: WebClient, team_id: str, user_ids) -> set[str]:
    """Make sure each person is cached and no older than a day; unknown users are left out.

    Returns the ids of people whose time zone changed (their reminders need rescheduling)."""
    wanted = set(filter(None, user_ids))
    if not wanted:
        return set()
    now = gl.clock.now()
    with gl.reading() as session:
        fresh = set(
            session.scalars(
                select(Person.user_id).where(
                    Person.team_id == team_id, Person.user_id.in_(wanted), Person.fetched_at >= now - FRESH_FOR
                )
            )
        )
        if wanted <= fresh:  # most requests: nothing more to read
            return set()
        words = session.scalar(select(Workspace.away_words).where(Workspace.team_id == team_id)) or AWAY_WORDS
    fetched = {}
    for user_id in sorted(wanted - fresh):
        try:
            fetched[user_id] = client.users_info(user=user_id, include_locale=True)["user"]
        except SlackApiError as e:
            if e.response.get("error") not in UNKNOWN:
                raise
    if not fetched:
        return set()
    rows = [profile_row(team_id, user_id, user, now) for user_id, user in fetched.items()]
    with gl.transaction() as session:
        before = dict(
            session.execute(
                select(Person.user_id, Person.tz).where(Person.team_id == team_id, Person.user_id.in_(fetched))
            ).all()
        )
        upsert(session, Person, rows, ["team_id", "user_id"])  # two requests may fetch the same person at once
        for user_id, user in fetched.items():
            away.from_status(session, team_id, user_id, status_away_until(user.get("profile") or {}, words, now), now)
    return {r["user_id"] for r in rows if r["user_id"] in before and before[r["user_id"]] != r["tz"]}


def profile_row(team_id: str, user_id: str, user: dict, now: datetime) -> dict:
    """The people row for what users.info said about one person."""
    profile = user.get("profile") or {}
    return dict(
        team_id=team_id,
        user_id=user_id,
        display_name=profile.get("display_name") or user.get("real_name") or user.get("name") or user_id,
        tz=user.get("tz") or "UTC",
        locale=user.get("locale"),
        is_bot=bool(user.get("is_bot")) or user_id == "USLACKBOT",
        deleted=bool(user.get("deleted")),
        is_admin=bool(user.get("is_admin") or user.get("is_owner")),
        is_guest=bool(user.get("is_restricted") or user.get("is_ultra_restricted")),
        fetched_at=now,
    )


def status_away_until(profile: dict, words: str, now: datetime) -> datetime | None:
    """Until when a Slack status says its person is away: its expiration, if its emoji or text has one of the
    workspace's away-words (SPEC §3, Away); None for a status that says nothing of the kind, or never expires."""
    expiration = profile.get("status_expiration") or 0
    if not expiration:
        return None
    emoji, text = (profile.get("status_emoji") or "").lower(), (profile.get("status_text") or "").lower()
    terms = [t.strip() for t in words.lower().split(",") if t.strip()]
    if not any(emoji == t if t.startswith(":") and t.endswith(":") else t in text for t in terms):
        return None
    until = datetime.fromtimestamp(int(expiration), UTC)
    return until if until > now else None


def stale_approvers(session: Session, now: datetime, limit: int) -> list[tuple[str, str]]:
    """(team, user) of people cached over a day ago who have a pending sign-off on an open initiative."""
    waiting = (
        select(Approval.id)
        .join(Initiative)
        .where(
            Approval.approver_id == Person.user_id,
            Initiative.team_id == Person.team_id,
            Approval.decision == "pending",
            Initiative.status == "open",
        )
        .exists()
    )
    return list(
        session.execute(
            select(Person.team_id, Person.user_id)
            .where(Person.fetched_at < now - FRESH_FOR, waiting, still_installed(Person.team_id))
            .limit(limit)
        ).all()
    )
