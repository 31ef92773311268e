"""Who may see an initiative (SPEC §5), in one rule: every list, export, stat and summary asks it.

An initiative is visible to the people who take part in it (owner, sponsor, approvers, and
the delegates standing in for those away), to the members of its channel and to workspace admins. Guests (Slack's
is_restricted / is_ultra_restricted) see only what they take part in, whatever channels they are in.
Channel membership is Slack's to say: the caller passes the channels, among those in question, that
the viewer is a member of (bot/flows/visibility.py asks conversations.members).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from sqlalchemy import exists, literal, or_
from sqlalchemy.orm import Session, object_session

from bot.services import groups
from bot.text import is_group
from storage.models import Approval, Initiative, Person


@dataclass(frozen=True)
class Viewer:
    """The person looking, with what decides what they see."""

    user_id: str
    is_admin: bool = False
    is_guest: bool = False
    channels: frozenset[str] = frozenset()  # channels in question the viewer is a member of
    groups: frozenset[str] = frozenset()  # the user groups they are in (of those cached)

    @property
    def sees_every_channel(self) -> bool:
        return self.is_admin and not self.is_guest

    @property
    def needs_membership(self) -> bool:
        """Whether channel membership can change what this viewer sees (not for admins, nor for guests)."""
        return not self.is_admin and not self.is_guest


def takes_part(ini: Initiative, user_id: str) -> bool:
    """Owner, sponsor or approver of the initiative, the delegate standing in for an away approver or sponsor, or
    asked to decide in a silent sponsor's place (escalate-to)."""
    return (
        user_id in (ini.owner_id, ini.sponsor_id, ini.sponsor_stand_in_id)
        or any(user_id in (a.approver_id, a.stand_in_id) for a in ini.approvals)
        or user_id in (ini.escalated_to or "").split(",")
        or in_approver_group(ini, user_id)
    )


def in_approver_group(ini: Initiative, user_id: str) -> bool:
    """Whether this person is in a user group that is an approver of the initiative."""
    slots = {a.approver_id for a in ini.approvals if is_group(a.approver_id)}
    return bool(slots) and bool(slots & groups.of_person(object_session(ini), ini.team_id, user_id))


def can_see(ini: Initiative, viewer: Viewer) -> bool:
    """The one visibility rule."""
    if takes_part(ini, viewer.user_id):
        return True
    if viewer.is_guest:
        return False
    return viewer.is_admin or ini.channel_id in viewer.channels


def condition(viewer: Viewer):
    """The same rule as an SQL condition on initiatives (None: the viewer sees them all), so lists page in SQL."""
    if viewer.sees_every_channel:
        return None
    # The databases test an OR's terms in the order given and stop at the first that holds: columns of the row
    # first (the channel, for most of a member's rows), the lookups in approvals last.
    columns = [
        Initiative.owner_id == viewer.user_id,
        Initiative.sponsor_id == viewer.user_id,
        Initiative.sponsor_stand_in_id == viewer.user_id,
        # asked in a silent sponsor's place: one of the ids in escalated_to ('U1' or 'U1,U2')
        (literal(",") + Initiative.escalated_to + ",").like(f"%,{viewer.user_id},%"),
    ]
    lookups = [
        # Two lookups, each through an index of its own (one with an OR between them reads every approval).
        exists().where(Approval.initiative_id == Initiative.id, Approval.approver_id == viewer.user_id),
        exists().where(Approval.initiative_id == Initiative.id, Approval.stand_in_id == viewer.user_id),
    ]
    if viewer.groups:  # a member of a user group that is an approver
        lookups.append(exists().where(Approval.initiative_id == Initiative.id, Approval.approver_id.in_(viewer.groups)))
    channel = [] if viewer.is_guest else [Initiative.channel_id.in_(viewer.channels)]
    return or_(*channel, *columns, *lookups)


def taking_part(viewer: Viewer):
    """takes_part as an SQL condition: what this person takes part in, whatever their channels and role."""
    return condition(replace(viewer, is_admin=False, is_guest=True))  # the rule's guest sees just that


def visible(initiatives: Iterable[Initiative], viewer: Viewer) -> list[Initiative]:
    return [ini for ini in initiatives if can_see(ini, viewer)]


def sees_question(ini: Initiative, asker_id: str | None, viewer_id: str) -> bool:
    """A question between an approver and the owner is read only by those two and the sponsor."""
    return viewer_id in (asker_id, ini.owner_id, ini.sponsor_id)


def viewer(
    session: Session, team_id: str, user_id: str, *, admins: frozenset[str] = frozenset(), channels: Iterable[str] = ()
) -> Viewer:
    """The viewer as the people cache knows them (admin, guest); the operator's GREENLIGHT_ADMINS count as admins."""
    person = session.get(Person, (team_id, user_id))
    is_guest = bool(person and person.is_guest)
    is_admin = (user_id in admins or bool(person and person.is_admin and not person.deleted)) and not is_guest
    return Viewer(
        user_id,
        is_admin=is_admin,
        is_guest=is_guest,
        channels=frozenset(channels),
        groups=frozenset(groups.of_person(session, team_id, user_id)),
    )
