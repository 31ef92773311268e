"""Read-only views of initiatives: waits, the story behind `show`, `list` and `mine`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, exists, func, literal, or_, select, text
from sqlalchemy.orm import Session, aliased, selectinload

from bot import i18n
from bot.calendar import describe_wait
from bot.services.visibility import sees_question
from bot.services.workspaces import Calendars, workspace
from storage.enums import ACTIVE, ASKING, Decision, Status
from storage.models import Approval, Event, GroupMember, Initiative, Workspace


@dataclass(frozen=True)
class Wait:
    """How long one approver has kept (or kept) an initiative waiting."""

    approval: Approval
    seconds: float

    @property
    def text(self) -> str:
        return describe_wait(self.seconds)

    @property
    def days(self) -> int:
        return int(self.seconds // 86400)


@dataclass(frozen=True)
class Story:
    initiative: Initiative
    waits: list[Wait]
    events: list[Event]  # oldest first
    timezone: str
    viewer_id: str = ""  # who reads it: the text of a question is theirs only if they asked, own or sponsor it
    now: datetime | None = None  # when it is told: a snooze still running is shown
    away: dict = field(default_factory=dict)  # {person: (last day away, their stand-in or None)} of those away now

    def hides_text(self, event: Event) -> bool:
        """Whether the event's text is not for this reader (a question between others)."""
        return event.kind == "question" and not sees_question(self.initiative, event.actor_id, self.viewer_id)


def waited_until(ini: Initiative, a: Approval, now: datetime) -> datetime:
    """A wait ends with the answer, or when the initiative stopped waiting (proceeded or closed)."""
    return a.decided_at or ini.proceeded_at or ini.closed_at or now


def calendars_for(session: Session, pairs, now: datetime) -> Calendars:
    """The calendars that the waits of these (initiative, approval) pairs are counted in: their approvers' own."""
    approvers: dict[str, set[str]] = {}
    for ini, a in pairs:
        approvers.setdefault(ini.team_id, set()).add(a.approver_id)
    return Calendars.weeks(session, approvers, now)


def wait_of(cal: Calendars, ini: Initiative, a: Approval, now: datetime) -> Wait:
    """One approval's wait in business time, in the approver's own calendar and time zone."""
    if not a.requested_at:  # not yet while its stage waits
        return Wait(a, 0.0)
    week, tz = cal.week(ini.team_id, a.approver_id), cal.tz(ini.team_id, a.approver_id)
    return Wait(a, week.business_seconds(a.requested_at, waited_until(ini, a, now), tz))


def waits_of(
    session: Session,
    initiatives: list[Initiative],
    now: datetime,
    *,
    pending_only: bool = False,
    cal: Calendars | None = None,
) -> dict[int, list[Wait]]:
    """Each approval's wait (the approvers' calendars read in one query per workspace, none when the batch's
    calendars are given)."""
    pairs = [(ini, a) for ini in initiatives for a in (ini.pending if pending_only else ini.approvals)]
    cal = cal or calendars_for(session, pairs, now)
    result: dict[int, list[Wait]] = {ini.id: [] for ini in initiatives}
    for ini, a in pairs:
        result[ini.id].append(wait_of(cal, ini, a, now))
    return result


def story(session: Session, ini: Initiative, now: datetime, viewer_id: str = "", before: int | None = None) -> Story:
    """Everything `/greenlight show` tells: the waits and the event log (only events before `before`, if given)."""
    query = select(Event).where(Event.initiative_id == ini.id).order_by(Event.id)
    if before is not None:
        query = query.where(Event.id < before)
    ws = workspace(session, ini.team_id, now=now)
    cal = Calendars.of(session, [ini], now)
    away = {}
    for person in [ini.sponsor_id, *(a.approver_id for a in ini.pending)]:
        if absence := cal.away(ini.team_id, person, now):
            last = (absence.ends_at.astimezone(cal.tz(ini.team_id, person)) - timedelta(microseconds=1)).date()
            away[person] = (last, absence.delegate_id)
    waits = waits_of(session, [ini], now, cal=cal)[ini.id]
    return Story(ini, waits, list(session.scalars(query)), ws.timezone, viewer_id, now, away)


def longest_wait(waits: list[Wait]) -> float:
    return max((w.seconds for w in waits), default=0.0)


PAGE_SIZE = 20  # rows of a list page
HOME_ROWS = 40  # rows of each App Home section: as many as its 100 blocks can show
LISTS = ("all", "stalled", "escalated", "proceeding", "mine")  # what `list` can show besides a channel


COUNTED = 200  # a list counts its rows up to here (or to the end of the page asked for), then says "200+"


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows (each with its waits), which page it is, and how long the whole list is:
    `total` rows, or at least that many when `more` (counting stops at COUNTED, so that a read costs what it shows)."""

    rows: list
    number: int
    total: int
    size: int
    more: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def counted(self) -> str:
        """'12', or '200+' when the count stopped."""
        return i18n.number(self.total) + ("+" if self.more else "")


def count_upto(session: Session, query, limit: int) -> int:
    """How many rows `query` (a select of one column) has, counting no further than `limit`."""
    return session.scalar(select(func.count()).select_from(query.limit(limit).subquery()))


def _paged(session: Session, parts: list[tuple[list, list]], number: int, size: int) -> tuple[list, int, bool]:
    """Rows of page `number` of the list made of `parts` one after the other (each: conditions, order), how many
    rows the list has (counted up to COUNTED, or to the end of this page) and whether it has more than that.

    Each part is read through an index in its order, from the page's offset, never as a whole."""
    limit, totals = max(COUNTED, number * size), []
    for where, _ in parts:  # a part after one that is already past the limit need not be counted
        totals.append(
            count_upto(session, select(Initiative.id).where(*where), limit + 1) if sum(totals) <= limit else 0
        )
    skip, rows = (number - 1) * size, []
    for (where, order), total in zip(parts, totals):
        if skip >= total:
            skip -= total
            continue
        rows += session.scalars(select(Initiative).where(*where).order_by(*order).offset(skip).limit(size - len(rows)))
        skip = 0
        if len(rows) == size:
            break
    return rows, min(sum(totals), limit), sum(totals) > limit


def active(
    session: Session,
    team_id: str,
    now: datetime,
    *,
    show: str = "all",
    channel_id: str | None = None,
    user_id: str | None = None,
    number: int = 1,
    size: int = PAGE_SIZE,
    seen_by=None,
) -> Page:
    """Initiatives not yet closed: those still asking (longest wait first), then those proceeding (report due
    first); `show` narrows it (stalled, escalated, proceeding, or mine: owned or sponsored by `user_id`)."""
    where = [Initiative.team_id == team_id] + (
        [seen_by] if seen_by is not None else []
    )  # seen_by: visibility.condition
    if channel_id:
        where.append(Initiative.channel_id == channel_id)
    if show == "mine":
        where.append(or_(Initiative.owner_id == user_id, Initiative.sponsor_id == user_id))
    asking = [Initiative.waiting_since.is_not(None)] + (
        {"stalled": [Initiative.status == Status.OPEN], "escalated": [Initiative.status == Status.ESCALATED]}.get(
            show, []
        )
    )
    parts = []
    if show != "proceeding":
        parts.append((where + asking, [Initiative.waiting_since, Initiative.id]))
    if show in ("all", "mine", "proceeding"):
        parts.append((where + [Initiative.status == Status.PROCEEDING], [Initiative.report_due, Initiative.number]))
    rows, total, more = _paged(session, parts, number, size)
    waits = waits_of(session, rows, now, pending_only=True)
    return Page([(i, waits[i.id]) for i in rows], number, total, size, more)


ACTIVE_CHANNELS = text(
    """
    WITH RECURSIVE channels(channel_id) AS (
        SELECT min(channel_id) FROM initiatives WHERE team_id = :team AND status IN :active
        UNION ALL
        SELECT (SELECT min(channel_id) FROM initiatives
                WHERE team_id = :team AND channel_id > channels.channel_id AND status IN :active)
        FROM channels WHERE channels.channel_id IS NOT NULL
    )
    SELECT channel_id FROM channels WHERE channel_id IS NOT NULL
    """
).bindparams(bindparam("active", expanding=True))


def active_channels(session: Session, team_id: str) -> set[str]:
    """The channels of initiatives not yet closed (whose membership decides who sees them in `list`). SQLite answers
    the DISTINCT by skipping through the (team_id, channel_id) index; PostgreSQL would read every initiative of the
    workspace for it, so there a recursive query takes one step of that index per channel."""
    if session.get_bind().dialect.name == "postgresql":
        return set(session.scalars(ACTIVE_CHANNELS, {"team": team_id, "active": [s.value for s in ACTIVE]}))
    query = select(Initiative.channel_id).where(Initiative.team_id == team_id, Initiative.status.in_(ACTIVE))
    return set(session.scalars(query.distinct()))


def _no_page() -> Page:
    return Page([], 1, 0, PAGE_SIZE)


@dataclass(frozen=True)
class Mine:
    # rows: (Initiative, Wait): their own slots, those of the user groups they are in and of those they stand in for
    waiting_on_me: Page
    owned: Page  # rows: (Initiative, [Wait])
    sponsored: Page
    deciding: Page = field(default_factory=_no_page)  # asked as `escalate-to` in a silent sponsor's place
    user_id: str = ""  # whose they are


def mine(
    session: Session, team_id: str, user_id: str, now: datetime, *, number: int = 1, size: int = PAGE_SIZE
) -> Mine:
    """What waits on this person (oldest request first), what they own and what they sponsor (not yet closed), and
    the sponsor's decisions they were asked to take in a silent sponsor's place (oldest escalation first)."""
    limit = max(COUNTED, number * size)

    def of_role(column) -> tuple[list[Initiative], int, bool]:
        """Those still asking (longest wait first: only they wait), then those proceeding. PostgreSQL reads them in
        that order from the index; SQLite, whose indexes keep NULL first, sorts the person's own rows."""
        where = [Initiative.team_id == team_id, column == user_id, Initiative.status.in_(ACTIVE)]
        return _paged(session, [(where, [Initiative.waiting_since.asc().nulls_last(), Initiative.id])], number, size)

    # A user group's slot waits on each member (as approver() lets them answer it): not on the initiative's owner
    # or sponsor, nor on a member who has a slot of their own there (their answer goes to that one).
    # Most people are in no such group: then their own slots are read in request order straight from an index.
    theirs = list(
        session.scalars(
            select(GroupMember.group_id).where(GroupMember.team_id == team_id, GroupMember.user_id == user_id)
        )
    )
    own = aliased(Approval)
    # The slots of away approvers this person stands in for (SPEC §3, Away): looked for only if they stand in for
    # anyone, through the stand-in index, so that everybody else's own slots stay one index read.
    standing_in = session.scalar(select(Approval.id).where(Approval.stand_in_id == user_id).limit(1)) is not None
    whose = [Approval.approver_id == user_id] + ([Approval.stand_in_id == user_id] if standing_in else [])
    if theirs:
        whose.append(
            and_(
                Approval.approver_id.in_(theirs),
                Initiative.owner_id != user_id,
                Initiative.sponsor_id != user_id,
                ~exists().where(own.initiative_id == Approval.initiative_id, own.approver_id == user_id),
            )
        )
    asked = [
        or_(*whose),
        Approval.decision == Decision.PENDING,
        Initiative.team_id == team_id,
        Initiative.status.in_(ASKING),
    ]
    total = count_upto(session, select(Approval.id).join(Initiative).where(*asked), limit + 1)
    approvals = list(
        session.scalars(
            select(Approval)
            .join(Initiative)
            .where(*asked)
            .order_by(Approval.requested_at, Approval.id)
            .offset((number - 1) * size)
            .limit(size)
            # the initiatives without their other approvals: this list shows this person's wait alone
            .options(selectinload(Approval.initiative).lazyload(Initiative.approvals))
        )
    )
    owned, sponsored = of_role(Initiative.owner_id), of_role(Initiative.sponsor_id)
    # initiatives.deputies(): escalated, with this person among those asked as `escalate-to` (a comma-joined list)
    deputy = [
        Initiative.team_id == team_id,
        Initiative.status == Status.ESCALATED,
        Initiative.sponsor_id != user_id,
        (literal(",") + Initiative.escalated_to + literal(",")).contains(f",{user_id},", autoescape=True),
    ]
    # Only a workspace with an escalation contact has deputies: elsewhere (most) this costs no scan of its escalations.
    ws = session.get(Workspace, team_id)  # the row the calendars below read as well: one query for both
    contact = ws.escalate_to if ws else None
    deciding = (
        _paged(session, [(deputy, [Initiative.escalated_at, Initiative.id])], number, size)
        if contact
        else ([], 0, False)
    )
    shown = owned[0] + sponsored[0] + deciding[0]
    slots = [(a.initiative, a) for a in approvals]
    cal = calendars_for(session, slots + [(i, a) for i in shown for a in i.pending], now)  # one read for all
    waits = waits_of(session, shown, now, pending_only=True, cal=cal)
    waiting = [(ini, wait_of(cal, ini, a, now)) for ini, a in slots]

    def page(rows, total, more) -> Page:
        return Page([(i, waits[i.id]) for i in rows], number, total, size, more)

    return Mine(
        Page(waiting, number, min(total, limit), size, total > limit),
        page(*owned),
        page(*sponsored),
        page(*deciding),
        user_id,
    )
