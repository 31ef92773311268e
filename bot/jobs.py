"""What is due now (nudges, escalations, summaries) and the loop that delivers it."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from slack_sdk.errors import SlackApiError
from sqlalchemy import delete

from bot import logs, metrics
from bot.groups import refresh_groups, stale_groups
from bot.people import refresh_people, stale_approvers
from bot.services import Refusal, away, due, escalation, installs, nudges, retention
from bot.services.summary import enqueue_due_summaries
from storage.models import SlackRequest

log = logging.getLogger(__name__)

SWEEP_SECONDS = 60

DUE_WORK = (
    escalation.ESCALATIONS,  # before reminders: an initiative past its deadline gets no more nudges
    nudges.REMINDERS,
    escalation.SPONSOR_ASKS,
    escalation.FURTHER_ESCALATIONS,
    escalation.REPORT_REMINDERS,
)


def forget_handled_requests(session, now) -> None:
    """Slack retries within an hour and signatures expire in five minutes: a day of handled requests is plenty."""
    session.execute(delete(SlackRequest).where(SlackRequest.created_at < now - timedelta(days=1)))


def queue_due(gl) -> None:
    """Turn everything due now into outbox messages, without sending them."""
    gl.act(away.welcome_back)  # absences that ended: delegates stop standing in, the person hears what they did
    for work in DUE_WORK:
        # One transaction per batch; each returns whether a full batch was taken (more may wait).
        while gl.act(lambda session, now, work=work: due.run(session, now, work)):
            pass
    gl.act(enqueue_due_summaries)  # once per channel per week: the outbox key sees to it
    while gl.act(retention.purge_batch):  # closed initiatives past the workspace's retention, a batch at a time
        pass
    gl.act(forget_handled_requests)


def refresh_time_zones(gl, limit: int = 50) -> None:
    """Re-read (at most daily) the Slack profiles of people waiting to be nudged, so a nudge follows
    them when they change time zone. Slack being unavailable only postpones this to the next sweep."""
    with gl.reading() as session:
        stale = stale_approvers(session, gl.clock.now(), limit)
    for team_id, user_id in stale:
        try:
            if refresh_people(gl, gl.client_for(team_id), team_id, [user_id]):
                gl.act(
                    lambda s, now, team_id=team_id, user_id=user_id: nudges.reschedule_person(s, team_id, user_id, now)
                )
        except (SlackApiError, OSError) as e:
            log.warning("could not refresh the Slack profile of %s: %s", user_id, e)
            return


def refresh_user_groups(gl, limit: int = 20) -> None:
    """Re-read (at most daily) the members of user groups still asked to answer, so that a request or reminder
    reaches whoever is in the group now. Slack being unavailable only postpones this to the next sweep."""
    with gl.reading() as session:
        stale = stale_groups(session, gl.clock.now(), limit)
    for team_id, group_id in stale:
        try:
            refresh_groups(gl, gl.client_for(team_id), team_id, [group_id])
        except (SlackApiError, OSError, Refusal) as e:
            log.warning("could not re-read the members of the user group %s: %s", group_id, e)
            return


PURGE_BATCHES = 100  # per sweep: a large uninstalled workspace is deleted over several sweeps, never in one go


def purge_uninstalled(gl) -> None:
    """Delete, in small transactions, the data of workspaces uninstalled longer ago than the grace period."""
    grace = timedelta(days=gl.config.uninstall_grace_days)
    for _ in range(PURGE_BATCHES):
        if not gl.act(lambda session, now: installs.purge_step(session, now, grace)):
            return


def rotate_tokens(gl) -> None:
    """OAuth mode: refresh the bot tokens that expire within two hours (once, even with several clocks)."""
    if gl.installations is not None:
        gl.installations.rotate_expiring()


def sweep(gl) -> None:
    """One pass: note that the clock runs, refresh expiring tokens, turn everything due into outbox messages,
    delete what uninstalled workspaces left behind, then send."""
    started = time.perf_counter()
    with logs.concerning():  # what the sender tags its lines with ends with the sweep
        gl.act(installs.beat)
        rotate_tokens(gl)
        refresh_time_zones(gl)
        refresh_user_groups(gl)
        queue_due(gl)
        purge_uninstalled(gl)
        gl.deliver()
    metrics.swept(time.perf_counter() - started)


def _safe_sweep(gl) -> None:
    try:
        sweep(gl)
    except Exception:
        log.exception("sweep failed; the next one retries")


def start_scheduler(gl, *, blocking: bool = False):
    """Run the sweep every minute, one at a time, without catching up on missed runs."""
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone="UTC")
    scheduler.add_job(
        _safe_sweep,
        "interval",
        seconds=SWEEP_SECONDS,
        args=[gl],
        id="sweep",
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )  # real time: when to run, not what is due (gl.clock)
    scheduler.start()
    return scheduler
