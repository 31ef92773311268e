"""Business rules. They take a session and plain values, return plain values, and never import Slack."""


class Refusal(Exception):
    """Bad input or an action without the right: the message tells the person what to do instead."""


def record_change(session, team_id: str, actor_id: str, kind: str, now, **data) -> None:
    """Append an event that concerns the workspace or one person, not an initiative (a setting changed)."""
    from storage.models import Event

    session.add(Event(team_id=team_id, initiative_id=None, actor_id=actor_id, kind=kind, data=data, at=now))
    session.flush()


def record(session, initiative, actor_id, kind, now, *, touch: bool = True, **data):
    """Append an event to the audit trail.

    With `touch`, whoever the initiative concerns has a stale App Home once the change commits
    (bot/runtime.py); a reminder changes nothing they would see there, so the nudge sweep passes False."""
    from storage.models import Event

    session.add(
        Event(team_id=initiative.team_id, initiative_id=initiative.id, actor_id=actor_id, kind=kind, data=data, at=now)
    )
    if touch:
        session.info.setdefault("touched", set()).add(initiative.id)
