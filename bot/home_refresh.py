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
from storage.models import Initiative, Person, Workspace

log = logging.getLogger(__name__)


def publish(
    gl,
    team_id: str,
    user_id: str,
    notice: str | None = None,
    *,
    first_visit: bool = False,
    language: str | None = None,
) -> None:
    """Build this person's Home from the database now and publish it (a notice goes on top); on their first visit it
    says how Greenlight works, and a workspace admin sees what is left to set up. It is in `language`, which a
    refresh of many Homes reads for all of them at once; without it, in the person's own (`reader_language`)."""
    with gl.transaction() as session:
        now = gl.clock.now()
        ws = workspace(session, team_id, now=now, default_tz=gl.config.timezone)
        person = None
        if language is None:
            person = session.get(Person, (team_id, user_id))
            language = reader_language(ws, person)
        with i18n.speaking(language):
            setup = []
            if settings.may_change(session, team_id, user_id, gl.config.admins):
                person = person or session.get(Person, (team_id, user_id))
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
    """Republish the Homes of the owner, sponsor and approvers of these initiatives, if they ever opened theirs,
    and of the people who clicked on their Home (with the answer on top)."""
    watchers = set(notices)
    languages: dict[tuple[str, str], str] = {}
    try:
        with gl.transaction() as session:
            wanted: dict[str, set[str]] = {}
            for ini in session.scalars(select(Initiative).where(Initiative.id.in_(set(initiative_ids)))):
                approvers = [a.approver_id for a in ini.approvals]
                wanted.setdefault(ini.team_id, set()).update(
                    {ini.owner_id, ini.sponsor_id, *approvers, *filter(None, (ini.escalated_to or "").split(","))}
                )
                # the members of a user group that is an approver: its slot waits on each of them
                wanted[ini.team_id].update(u for m in expand(session, ini.team_id, approvers).values() for u in m)
            people = {
                (p.team_id, p.user_id): p
                for team_id, users in wanted.items()
                for p in session.scalars(
                    select(Person).where(
                        Person.team_id == team_id, Person.user_id.in_(users), Person.home_opened_at.is_not(None)
                    )
                )
            }
            watchers.update(people)
            # each Home in its reader's language: the rows of those who clicked too, one query per workspace
            for team_id in {team for team, _ in watchers}:
                clicked = {user for team, user in notices if team == team_id and (team, user) not in people}
                if clicked:
                    people.update(
                        ((p.team_id, p.user_id), p)
                        for p in session.scalars(
                            select(Person).where(Person.team_id == team_id, Person.user_id.in_(clicked))
                        )
                    )
                ws = session.get(Workspace, team_id)
                languages.update((key, reader_language(ws, people.get(key))) for key in watchers if key[0] == team_id)
    except Exception:
        log.exception("could not find whose App Home to refresh")
    for team_id, user_id in sorted(watchers):
        try:
            key = (team_id, user_id)
            publish(gl, team_id, user_id, notices.get(key), language=languages.get(key))
        except SlackApiError as e:
            log.warning("could not refresh the App Home of %s: %s", user_id, e.response.get("error"))
        except Exception:
            log.exception("could not refresh the App Home of %s", user_id)
