"""Outbox keys: one constructor per logical message, each saying what makes that message unique.

A key is unique within a workspace (outbox: team_id, key). Inserting a message whose key exists does
nothing, which is what makes a second sweep, process or click harmless; two different messages must
therefore never share a key (a shared key silently drops the second one).
"""

from __future__ import annotations

from datetime import date


def _in(round: int) -> str:
    """The round an initiative is in, after a resubmission: the first round's keys carry none (as before rounds)."""
    return f":r{round}" if round > 1 else ""


def announcement(initiative_id: int) -> str:
    """The channel post announcing an initiative: one per initiative."""
    return f"announce:{initiative_id}"


def sign_off_request(approval_id: int, round: int = 1) -> str:
    """The DM asking an approver for sign-off: one per approval and round (later updates target it)."""
    return f"request:{approval_id}{_in(round)}"


def stage_asked(initiative_id: int, stage: int, round: int = 1) -> str:
    """The owner told that a stage is complete and the next one asked: one per stage and round."""
    return f"stage-asked:{initiative_id}:{stage}{_in(round)}"


def request_settled(approval_id: int, status: str, decision: str, round: int = 1) -> str:
    """The update of a sign-off request once it needs no answer: one per approval, status, answer and round."""
    return f"request-settled:{approval_id}:{status}:{decision}{_in(round)}"


def sponsor_told(initiative_id: int) -> str:
    """The sponsor told at registration that they are the sponsor and when they would be asked: one per initiative."""
    return f"sponsor:{initiative_id}"


def buttons_spent(target_key: str) -> str:
    """The update that turns an earlier message with buttons (a reminder, a last call, an extension, a sponsor's
    question or re-ask) into a short record once its buttons are spent: one per earlier message."""
    return f"spent:{target_key}"


def answer_to_owner(approval_id: int, round: int = 1) -> str:
    """The owner told of one approver's approval ("2 of 3") or ratification: one per approval and round."""
    return f"approval:{approval_id}{_in(round)}"


def objection(approval_id: int, person: str) -> str:
    """An approver's rejection after the sponsor decided to proceed, told to the owner or sponsor: one per approval
    and person."""
    return f"objection:{approval_id}:{person}"


def decision(initiative_id: int, status: str, person: str, round: int = 1) -> str:
    """The owner or sponsor told that the initiative was approved, rejected or withdrawn: one per person and round."""
    return f"{status}:{initiative_id}:{person}{_in(round)}"


def decision_note(initiative_id: int, status: str, round: int = 1) -> str:
    """The channel told that the initiative was approved, rejected or withdrawn: one per initiative and round."""
    return f"{status}-note:{initiative_id}{_in(round)}"


def no_answer_needed(initiative_id: int, approver_id: str, round: int = 1) -> str:
    """A pending approver told that the initiative closed without their answer: one per approver and round."""
    return f"no-answer-needed:{initiative_id}:{approver_id}{_in(round)}"


def resubmitted(initiative_id: int, person: str, round: int) -> str:
    """The sponsor or the channel told that a rejected initiative was resubmitted: one per person and round."""
    return f"resubmitted:{initiative_id}:{person}{_in(round)}"


def question(initiative_id: int, approver_id: str, number: int) -> str:
    """An approver's question to the owner: the approver's n-th question on this initiative."""
    return f"question:{initiative_id}:{approver_id}:{number}"


def nudge(approval_id: int, number: int, round: int = 1) -> str:
    """A scheduled reminder: the n-th of one approval in a round."""
    return f"nudge:{approval_id}:{number}{_in(round)}"


def last_call(approval_id: int, deadline: date) -> str:
    """The last call before a deadline: one per approval and deadline (an extension gets a new one)."""
    return f"lastcall:{approval_id}:{deadline.isoformat()}"


def last_calls(approval_id: int) -> str:
    """What every last call of one approval's key starts with, whatever its deadline."""
    return f"lastcall:{approval_id}:"


def reminders(person: str, day: date, first_key: str) -> str:
    """Several reminders due to one person at once, as one DM: one per person, day and first reminder in it."""
    return f"reminders:{person}:{day.isoformat()}:{first_key}"


def day_digest(person: str, day: date, first_key: str) -> str:
    """The DMs of one person's working day as one (digest on): one per person, day and the first message in it."""
    return f"digest:{person}:{day.isoformat()}:{first_key}"


def manual_nudge(approval_id: int, day: date) -> str:
    """The owner's or sponsor's reminder: one per approval and day."""
    return f"manual:{approval_id}:{day.isoformat()}"


def escalation(initiative_id: int, round: int, resubmitted: int = 1) -> str:
    """The sponsor asked to decide at the deadline: one per deadline (round = number of extensions)."""
    return f"escalation:{initiative_id}:{round}{_in(resubmitted)}"


def escalation_settled(initiative_id: int, round: int, resubmitted: int = 1) -> str:
    """The update of a sponsor's escalation DM once there is nothing left to decide: one per round."""
    return f"escalation-settled:{initiative_id}:{round}{_in(resubmitted)}"


def sponsor_asked_again(initiative_id: int, round: int, ask: int, resubmitted: int = 1) -> str:
    """The sponsor reminded of the undecided escalation: the n-th ask of a round."""
    return f"sponsor-ask:{initiative_id}:{round}:{ask}{_in(resubmitted)}"


def further_asked(initiative_id: int, person: str, round: int, ask: int, resubmitted: int = 1) -> str:
    """The escalation contact (`escalate-to`) asked to decide in a silent sponsor's place: the n-th ask (0 the
    first) of one person in a round."""
    return f"further:{initiative_id}:{person}:{round}:{ask}{_in(resubmitted)}"


def further_told(initiative_id: int, person: str, round: int, resubmitted: int = 1) -> str:
    """The owner or the sponsor told that the escalation contact was asked: one per person and round."""
    return f"escalated-further:{initiative_id}:{person}:{round}{_in(resubmitted)}"


def further_nobody(initiative_id: int, person: str, round: int, resubmitted: int = 1) -> str:
    """The owner, the sponsor or a workspace admin told that `escalate-to` had nobody who could be asked: one per
    person and round."""
    return f"escalated-further-nobody:{initiative_id}:{person}:{round}{_in(resubmitted)}"


def escalated_to_owner(initiative_id: int, round: int, resubmitted: int = 1) -> str:
    """The owner told the deadline passed and the sponsor decides: one per round."""
    return f"escalated-owner:{initiative_id}:{round}{_in(resubmitted)}"


def proceeding(initiative_id: int, audience: str) -> str:
    """The sponsor's decision to proceed told to the owner ('owner') or the channel ('note'): once each."""
    return f"proceed-{audience}:{initiative_id}"


def proceeding_to_approver(approval_id: int) -> str:
    """A pending approver told the sponsor decided to proceed: one per approval."""
    return f"proceed-approver:{approval_id}"


def extended(initiative_id: int, person: str, round: int) -> str:
    """Someone told of an extension: one per person and extension."""
    return f"extended:{initiative_id}:{person}:{round}"


def report_reminder(initiative_id: int, number: int) -> str:
    """The owner reminded that the report is due: the n-th reminder."""
    return f"report-reminder:{initiative_id}:{number}"


def report(initiative_id: int, person: str) -> str:
    """The report sent to one person: one per person."""
    return f"report:{initiative_id}:{person}"


def report_note(initiative_id: int) -> str:
    """The report posted in the channel: once."""
    return f"report-note:{initiative_id}"


def summary(channel_id: str, week: str, part: int = 0) -> str:
    """The weekly summary of a channel: one per channel and ISO week; part n > 0 is its n-th thread reply."""
    return f"summary:{channel_id}:{week}" + (f":{part}" if part else "")


def chart(channel_id: str, month: str) -> str:
    """The monthly chart in the thread of a channel's summary: one per channel and month ('2027-01')."""
    return f"chart:{channel_id}:{month}"


def undeliverable(message_id: int) -> str:
    """The owner told that a message could not be delivered: one per message."""
    return f"undeliverable:{message_id}"


def delegated_request(approval_id: int, delegate_id: str) -> str:
    """The sign-off request passed on to the delegate of an away approver: one per approval and delegate."""
    return f"delegated:{approval_id}:{delegate_id}"


def approver_away(absence_id: int, approval_id: int) -> str:
    """The owner told an approver is away with nobody standing in: once per absence and approval."""
    return f"away-owner:{absence_id}:{approval_id}"


def welcome_back(absence_id: int) -> str:
    """Someone back from an absence told what their delegate answered for them: once per absence."""
    return f"welcome-back:{absence_id}"


def question_answered(initiative_id: int, approver_id: str, answered: int) -> str:
    """The owner's answer posted under an approver's question: one per approver and answer (the n-th on it)."""
    return f"answer:{initiative_id}:{approver_id}:{answered}"


def owner_reminder(approval_id: int, asked: str, number: int) -> str:
    """The owner reminded of an approver's open question: the n-th reminder of the question asked at `asked`."""
    return f"owner-reminder:{approval_id}:{asked}:{number}"
