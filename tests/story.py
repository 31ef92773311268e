"""Moving a workspace through time: settings before anything happens, then sweeps on the frozen clock."""
from __future__ import annotations

from bot.jobs import sweep
from bot.services.workspaces import workspace


def set_workspace(gl, **values):
    """Workspace settings as an admin would set them, before anything is registered."""
    with gl.transaction() as s:
        ws = workspace(s, "T1", now=gl.clock.now(), default_tz=gl.config.timezone)
        for key, value in values.items():
            setattr(ws, key, value)


def run_for(gl, fake, clock, days: float, step_minutes: int = 60) -> list[tuple]:
    """Sweep every `step_minutes` for `days`; returns (business moment, user, message) of each DM sent."""
    seen, sent = len(fake.calls("chat.postMessage")), []
    for _ in range(int(days * 24 * 60 / step_minutes)):
        clock.advance(minutes=step_minutes)
        sweep(gl)
        calls = fake.calls("chat.postMessage")
        for call in calls[seen:]:
            sent.append((clock.now(), call.args["channel"], call.args))
        seen = len(calls)
    return sent
