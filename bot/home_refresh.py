"""Keeping App Homes current: published when opened, republished after changes for everyone they concern.

Only people who have opened their Home at least once (Person.home_opened_at) are kept fresh:
publishing to everyone an initiative names would cost a views.publish per person for nothing.

Each Home is built in its person's language (`reader_language`), also when it is republished in the background.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot import i18n
from bot.blocks.home import home, setup_checklist
from bot.people import refresh_people
from bot.services import overview, settings
from bot.services.groups import expand
from bot.services.workspaces import reader_language, workspace
from storage.models import Initiative, Person

log = logging.getLogger(__name__)


def publish(gl, team_id: str, user_id: str, notice: str | None = None, *, first_visit: bool = False) -> None:
    """Build this person's Home from the database now, in their language, and publish it (a notice goes on top); on
    their first visit it says how Greenlight works, and a workspace admin sees what is left to set up."""
    with gl.transaction() as session:
        now = gl.clock.now()
        ws = workspace(session, team_id, now=now, default_tz=gl.config.timezone)
        person = session.get(Person, (team_id, user_id))
        with i18n.speaking(reader_language(ws, person)):
            setup = []
            if settings.may_change(session, team_id, user_id, gl.config.admins):
                own_tz = person.tz if person and person.tz != "UTC" else "Europe/Berlin"  # theirs, as the example
                setup = setup_checklist(settings.not_set_up(session, ws), own_tz)
            mine = overview.mine(session, team_id, user_id, now, size=overview.HOME_ROWS)
            view = home(mine, notice, first_visit=first_visit, setup=setup)
    gl.client_for(team_id).views_publish(user_id=user_id, view=view)


def opened(gl, client, team_id: str, user_id: str) -> None:
    """Someone opened their Home: remember the first time, so that later changes refresh it, and publish it (the
    first time with how Greenlight works)."""
    refresh_people(gl, client, team_id, [user_id])

    def first_visit(session, now) -> bool:
        person = session.get(Person, (team_id, user_id))
        if person is None or person.home_opened_at is not None:
            return False
        person.home_opened_at = now
        return True

    publish(gl, team_id, user_id, first_visit=gl.act(first_visit))


def refresh(gl, initiative_ids, notices: dict[tuple[str, str], str]) -> None:
    """Republish the Homes of the owner, sponsor, approvers (a group's members), delegates standing in and escalation
    contacts asked of these initiatives, if they ever opened theirs, and of the people who clicked on their Home
    (with the answer on top)."""
    watchers = set(notices)
    try:
        with gl.transaction() as session:
            wanted: dict[str, set[str]] = {}
            for ini in session.scalars(select(Initiative).where(Initiative.id.in_(set(initiative_ids)))):
                approvers = [a.approver_id for a in ini.approvals]
                stand_ins = [ini.sponsor_stand_in_id, *(a.stand_in_id for a in ini.approvals)]
                wanted.setdefault(ini.team_id, set()).update(
                    {ini.owner_id, ini.sponsor_id, *approvers},
                    filter(None, [*stand_ins, *(ini.escalated_to or "").split(",")]),
                )
                # the members of a user group that is an approver: its slot waits on each of them
                wanted[ini.team_id].update(u for m in expand(session, ini.team_id, approvers).values() for u in m)
            watchers.update(
                (p.team_id, p.user_id)
                for team_id, users in wanted.items()
                for p in session.scalars(
                    select(Person).where(
                        Person.team_id == team_id, Person.user_id.in_(users), Person.home_opened_at.is_not(None)
                    )
                )
            )
    except Exception:
        log.exception("could not find whose App Home to refresh")
    for team_id, user_id in sorted(watchers):
        try:
            publish(gl, team_id, user_id, notices.get((team_id, user_id)))
        except SlackApiError as e:
            log.warning("could not refresh the App Home of %s: %s", user_id, e.response.get("error"))
        except Exception:
            log.exception("could not refresh the App Home of %s", user_id)
