"""Who is told what when something happened: each function turns one change into its outbox rows.

Services decide (they change state and call the notice of what happened); notices say (recipients,
words, the key of each logical message from bot/keys.py); blocks draw (bot/blocks/). A notice only
builds rows; the caller enqueues them, so that a sweep writes a whole batch in one statement.

Each recipient reads their own language (a channel: the workspace's): every body is built inside
`_reading(cal, team, recipient)`, once per recipient (`_each` for several). A text the caller words (a verdict, a
reason, a decision) is `Said`: a function that returns it, called there, so that it too comes out in each
recipient's language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta

from bot import i18n, keys, stages
from bot.blocks import initiatives as msg
from bot.blocks.common import actions, button, context, section
from bot.blocks.common import message as payload
from bot.blocks.digest import without_buttons
from bot.blocks.ids import Action
from bot.calendar import describe_wait, zone
from bot.i18n import N_, t, tn
from bot.services.outbox import message as row
from bot.services.workspaces import Calendars
from bot.text import escape, is_group, mention
from storage.enums import Decision, Status
from storage.models import Absence, Approval, Initiative, OutboxMessage

# A text worded by the caller: plain (the same for everyone: data, or already in the one reader's language) or a
# function that words it in the language of the moment, called once per recipient.
Said = str | Callable[[], str]


def said(text: Said) -> str:
    """A caller's text, in the language of the reader being built for."""
    return text() if callable(text) else text


def _reading(cal: Calendars, team_id: str, recipient: str) -> AbstractContextManager[None]:
    """Build what is inside for this recipient: in their language (a channel's, a conversation's: the workspace's)."""
    return i18n.speaking(cal.lang(team_id, recipient))


def _each(cal: Calendars, team_id: str, recipients: Iterable[str], build: Callable[[str], dict]) -> list[dict]:
    """One row per recipient, each built (`build(recipient)`) in that recipient's language."""
    rows = []
    for to in recipients:
        with _reading(cal, team_id, to):
            rows.append(build(to))
    return rows


def _to(ini: Initiative, key: str, recipient: str, body: dict, now: datetime, *, render=None, **kw) -> dict:
    """One row; to a user group, with how to `render` its body again for each member, in their language."""
    made = row(ini.team_id, key, recipient, body, now=now, initiative_id=ini.id, **kw)
    if render is not None and is_group(recipient):
        made["render"] = render
    return made


def quoted(text: str) -> str:
    """A person's own words under a message, escaped: '\n>text', or nothing."""
    return f"\n>{escape(text)}" if text else ""


# ---- registration -------------------------------------------------------------------------------


def plan_text(ini: Initiative, reminder_on: date | None) -> str:
    """What happens if the approver stays silent."""
    reminder = (
        t("I'll remind you on {day} if you haven't answered.", day=msg.day(reminder_on)) + " " if reminder_on else ""
    )
    return reminder + t(
        "If sign-off is still missing at the end of {deadline}, {sponsor} will be asked whether to proceed without it.",
        deadline=msg.day(ini.deadline),
        sponsor=mention(ini.sponsor_id),
    )


def sponsor_told(ini: Initiative, cal: Calendars, now: datetime) -> dict:
    """The sponsor learns at registration that they are the sponsor, and when they would be asked to decide."""
    asked_at = cal.working_moment(ini.team_id, ini.sponsor_id, ini.escalate_at)
    tz = cal.tz(ini.team_id, ini.sponsor_id)
    with _reading(cal, ini.team_id, ini.sponsor_id):
        approvers = (
            stages.outline(ini) if stages.count(ini) > 1 else ", ".join(mention(a.approver_id) for a in ini.approvals)
        )
        text = t(
            "You are the sponsor of {title}, registered by {owner} for sign-off by {approvers}. Nothing to do now. "
            "If sign-off is still missing at the end of *{deadline}*, you will be asked on {asked_at} your time "
            "whether to *proceed and report* (go ahead without the missing sign-offs; the owner reports the results "
            "afterwards), extend the deadline, or withdraw it.",
            title=msg.title_of(ini),
            owner=mention(ini.owner_id),
            approvers=approvers,
            deadline=msg.day(ini.deadline),
            asked_at=msg.local_time(asked_at, tz),
        )
        decides_on = msg.day(asked_at.astimezone(tz).date())
        body = msg.notice(
            ini, text, t("you are the sponsor; you decide on {day} if sign-off is missing", day=decides_on)
        )
    return _to(ini, keys.sponsor_told(ini.id), ini.sponsor_id, body, now)


def registered(ini: Initiative, cal: Calendars, now: datetime) -> list[dict]:
    """The channel's announcement, the sponsor told they are the sponsor, and each approver's sign-off request
    (their first reminder already scheduled)."""
    with _reading(cal, ini.team_id, ini.channel_id):
        rows = [_to(ini, keys.announcement(ini.id), ini.channel_id, msg.announcement(ini), now)]
    if ini.sponsor_id != ini.owner_id:
        rows.append(sponsor_told(ini, cal, now))
    return rows + sign_off_requests(ini, ini.pending, cal, now)


def sign_off_requests(
    ini: Initiative, approvals: list[Approval], cal: Calendars, now: datetime, changed: str = ""
) -> list[dict]:
    """Each of these approvers asked for sign-off (their first reminder already scheduled); `changed`: what changed
    since the rejection, when it was resubmitted."""
    rows = []
    for a in approvals:
        reminder = a.next_nudge_at.astimezone(cal.tz(ini.team_id, a.approver_id)).date() if a.next_nudge_at else None

        def build(a=a, reminder=reminder) -> dict:
            return msg.approval_request(
                ini, plan_text(ini, reminder), stages.label(ini, a.stage), changed, group=a.approver_id
            )

        with _reading(cal, ini.team_id, a.approver_id):
            body = build()
        rows.append(_to(ini, keys.sign_off_request(a.id, ini.round), a.approver_id, body, now, render=build))
    return rows


def resubmitted(
    ini: Initiative, asked: list[Approval], changed: str, fresh: bool, cal: Calendars, now: datetime
) -> list[dict]:
    """A rejected initiative resubmitted: the approvers asked again with what changed; the sponsor and the channel
    told of the new round."""
    kept = [a for a in ini.approvals if a.decision == Decision.APPROVED]

    def body(to: str) -> dict:
        if fresh:
            standing = t("Every approver is asked again (a fresh start).")
        elif kept:
            standing = t(
                "The approvals of {approvers} stand.", approvers=", ".join(mention(a.approver_id) for a in kept)
            )
        else:
            standing = ""
        text = t(
            "{owner} *resubmitted* {title} after its rejection (round {round}). What changed:{changed}\n"
            "New deadline: *{deadline}*. {standing}",
            owner=mention(ini.owner_id),
            title=msg.title_of(ini),
            round=ini.round,
            changed=quoted(changed),
            deadline=msg.day(ini.deadline),
            standing=standing,
        )
        what = t(
            "resubmitted (round {round}), new deadline {deadline}", round=ini.round, deadline=msg.day(ini.deadline)
        )
        return _to(ini, keys.resubmitted(ini.id, to, ini.round), to, msg.notice(ini, text, what), now)

    told = _each(
        cal, ini.team_id, [to for to in dict.fromkeys([ini.sponsor_id, ini.channel_id]) if to != ini.owner_id], body
    )
    return sign_off_requests(ini, asked, cal, now, changed) + told


def stage_asked(ini: Initiative, asked: list[Approval], cal: Calendars, now: datetime) -> list[dict]:
    """The stage before is complete: the next stage's approvers are asked, and the owner is told."""
    stage = asked[0].stage
    with _reading(cal, ini.team_id, ini.owner_id):
        text = t(
            "{stage_done} of {title} is complete. I asked {approvers} ({stage}) for sign-off.",
            stage_done=stages.label(ini, stage - 1).capitalize(),
            title=msg.title_of(ini),
            approvers=", ".join(mention(a.approver_id) for a in asked),
            stage=stages.label(ini, stage),
        )
        body = msg.notice(ini, text, t("{stage} asked for sign-off", stage=stages.label(ini, stage)))
    told = _to(ini, keys.stage_asked(ini.id, stage, ini.round), ini.owner_id, body, now)
    return [*sign_off_requests(ini, asked, cal, now), told]


# ---- answers and decisions ----------------------------------------------------------------------

# Someone answered for an approver (a group's member, a delegate): what their request then says.
ANSWERED_FOR = {
    Decision.APPROVED: N_("{who} approved it for {approver}."),
    Decision.REJECTED: N_("{who} rejected it for {approver}."),
}


def settled_requests(ini: Initiative, cal: Calendars, now: datetime, verdicts: dict[int, Said]) -> list[dict]:
    """Replace the buttons of sign-off requests that need no more answer ({approval id: what happened})."""
    rows = []
    for a in ini.approvals:
        if a.id not in verdicts:
            continue
        with _reading(cal, ini.team_id, a.approver_id):
            verdict = (
                t(ANSWERED_FOR[a.decision], who=mention(a.answered_by), approver=mention(a.approver_id))
                if a.answered_by and a.decision in ANSWERED_FOR
                else said(verdicts[a.id])
            )
            body = msg.answered(ini, verdict)
        rows.append(
            _to(
                ini,
                keys.request_settled(a.id, ini.status, a.decision, ini.round),
                a.approver_id,
                body,
                now,
                method="chat.update",
                target_key=keys.sign_off_request(a.id, ini.round),
            )
        )
    return rows


def buttons_spent(
    ini: Initiative,
    cal: Calendars,
    targets: list[tuple[str, str, dict | None]],
    verdicts: dict[str, Said],
    now: datetime,
) -> list[dict]:
    """Replace the buttons of earlier messages ((recipient, outbox key, payload of one of several initiatives) each)
    with a short record of what happened ({person: verdict}); one of several initiatives keeps its text."""
    rows = []
    for person, key, several in targets:
        with _reading(cal, ini.team_id, person):
            verdict = said(verdicts[person])
            body = (
                msg.answered(ini, verdict)
                if several is None
                else without_buttons(
                    several,
                    t(
                        "{title}: {verdict} The buttons here are gone; your App Home lists what still waits on you.",
                        title=msg.title_of(ini),
                        verdict=verdict,
                    ),
                )
            )
        rows.append(_to(ini, keys.buttons_spent(key), person, body, now, method="chat.update", target_key=key))
    return rows


def approval_counted(ini: Initiative, cal: Calendars, a: Approval, now: datetime) -> list[dict]:
    """An approval that does not yet decide: the approver's request settles, the owner hears 'n of m'."""
    with _reading(cal, ini.team_id, ini.owner_id):
        tally = stages.tally(ini, a.stage)
        text = t(
            "{signer} approved {title} ({tally}).{comment}",
            signer=msg.signer(a),
            title=msg.title_of(ini),
            tally=tally,
            comment=quoted(a.comment or ""),
        )
        body = msg.notice(ini, text, t("approved by {tally}", tally=tally))
    told = _to(ini, keys.answer_to_owner(a.id, ini.round), ini.owner_id, body, now)
    return [*settled_requests(ini, cal, now, {a.id: lambda: t("You approved it. Thank you!")}), told]


def ratified(ini: Initiative, cal: Calendars, a: Approval, now: datetime) -> list[dict]:
    """An approval after the sponsor decided to proceed: recorded as a ratification, the owner told."""
    with _reading(cal, ini.team_id, ini.owner_id):
        text = t(
            "{signer} approved {title} after the fact (ratified).{comment}",
            signer=msg.signer(a),
            title=msg.title_of(ini),
            comment=quoted(a.comment or ""),
        )
        body = msg.notice(ini, text, t("approved after the fact (ratified)"))
    return settled_requests(
        ini,
        cal,
        now,
        {a.id: lambda: t("You approved it after the sponsor decided to proceed: recorded as a ratification.")},
    ) + [_to(ini, keys.answer_to_owner(a.id, ini.round), ini.owner_id, body, now)]


def objected(ini: Initiative, cal: Calendars, a: Approval, now: datetime) -> list[dict]:
    """A rejection after the sponsor decided to proceed: an objection, told to the sponsor and the owner with its
    reason; the approver's earlier messages settle."""

    def told(person: str) -> dict:
        text = t(
            "{signer} *objects* to {title}, which proceeds without all sign-offs. Reason:{reason}\n"
            "It is recorded, shown in `/greenlight show {reference}` and listed in the report; the decision to "
            "proceed stands.",
            signer=msg.signer(a),
            title=msg.title_of(ini),
            reason=quoted(a.comment or ""),
            reference=ini.reference,
        )
        body = msg.notice(ini, text, t("an objection from an approver"))
        return _to(ini, keys.objection(a.id, person), person, body, now)

    return settled_requests(
        ini,
        cal,
        now,
        {a.id: lambda: t("You objected after the sponsor decided to proceed: recorded with your reason.")},
    ) + _each(cal, ini.team_id, dict.fromkeys([ini.sponsor_id, ini.owner_id]), told)


# What a decision's notification says it is ("GL-3: approved, Quarterly training plan").
DECIDED_WHAT = {
    Status.APPROVED: N_("approved, {title}"),
    Status.REJECTED: N_("rejected, {title}"),
    Status.WITHDRAWN: N_("withdrawn, {title}"),
}


def decided(ini: Initiative, cal: Calendars, text: Said, now: datetime, *, actor: str | None = None) -> list[dict]:
    """A decision (approved, rejected, withdrawn) reaches the owner and the sponsor by DM (not the one
    who made it) and the channel; `text` says it, in each one's language."""

    def what() -> str:
        title = escape(ini.title)
        return t(DECIDED_WHAT[ini.status], title=title) if ini.status in DECIDED_WHAT else f"{ini.status}, {title}"

    def told(person: str) -> dict:
        body = (
            msg.rejected_notice(ini, said(text), what())
            if person == ini.owner_id and ini.status == Status.REJECTED
            else msg.notice(ini, said(text), what())
        )
        return _to(ini, keys.decision(ini.id, ini.status, person, ini.round), person, body, now)

    def note(channel: str) -> dict:
        body = msg.notice(ini, said(text), what())
        return _to(ini, keys.decision_note(ini.id, ini.status, ini.round), channel, body, now)

    people = [p for p in dict.fromkeys([ini.owner_id, ini.sponsor_id]) if p != actor]
    return _each(cal, ini.team_id, people, told) + _each(cal, ini.team_id, [ini.channel_id], note)


# Of the approvers told they need not answer: what the initiative is now.
NO_ANSWER_WHAT = {
    Status.OPEN: N_("no answer needed from you any more (open)"),
    Status.ESCALATED: N_("no answer needed from you any more (escalated)"),
    Status.PROCEEDING: N_("no answer needed from you any more (proceeding)"),
    Status.APPROVED: N_("no answer needed from you any more (approved)"),
    Status.REJECTED: N_("no answer needed from you any more (rejected)"),
    Status.WITHDRAWN: N_("no answer needed from you any more (withdrawn)"),
    Status.REPORTED: N_("no answer needed from you any more (reported)"),
}


def no_answer_needed(ini: Initiative, cal: Calendars, pending: list[Approval], why: Said, now: datetime) -> list[dict]:
    """Approvers still asked when the initiative closed: told they need not answer, their requests settled."""

    def told(approver: str) -> dict:
        body = msg.notice(
            ini,
            t("{title} needs no answer from you any more: {why}", title=msg.title_of(ini), why=said(why)),
            t(NO_ANSWER_WHAT[ini.status]),
        )
        return _to(ini, keys.no_answer_needed(ini.id, approver, ini.round), approver, body, now)

    rows = _each(cal, ini.team_id, [a.approver_id for a in pending], told)
    return rows + settled_requests(
        ini, cal, now, {a.id: lambda: t("No answer needed any more: {why}", why=said(why)) for a in pending}
    )


def sponsor_question_settled(
    ini: Initiative, cal: Calendars, now: datetime, why: Said, round: int | None = None
) -> list[dict]:
    """Replace the buttons of the sponsor's escalation DM: there is nothing left to decide."""
    round = ini.extensions if round is None else round
    with _reading(cal, ini.team_id, ini.sponsor_id):
        body = msg.answered(ini, said(why))
    return [
        _to(
            ini,
            keys.escalation_settled(ini.id, round, ini.round),
            ini.sponsor_id,
            body,
            now,
            method="chat.update",
            target_key=keys.escalation(ini.id, round, ini.round),
        )
    ]


def question(ini: Initiative, cal: Calendars, approver_id: str, text: str, number: int, now: datetime) -> list[dict]:
    """An approver's question, posted in a conversation of the approver and the owner (opened when delivered): the
    wait is on the owner until they answer, in the thread or with Answered. Written in the workspace's language:
    the conversation has two readers."""
    to = f"{approver_id},{ini.owner_id}"
    with _reading(cal, ini.team_id, to):
        body = t(
            "{approver} has a question for {owner} about {title}:\n>{question}\n{owner}, reply in this thread, or "
            "click *Answered* once you have answered: until then {reference} waits on you, not on {approver}.",
            approver=mention(approver_id),
            owner=mention(ini.owner_id),
            title=msg.title_of(ini),
            question=escape(text),
            reference=ini.reference,
        )
        # Translators: the button the owner clicks once they have answered an approver's question.
        blocks = [section(body), actions(button(t("Answered"), Action.ANSWERED, str(ini.id), "primary"))]
        first = t("{reference}: a question for the owner; it waits on the owner's answer", reference=ini.reference)
    return [_to(ini, keys.question(ini.id, approver_id, number), to, payload(first, blocks), now)]


def answer(
    ini: Initiative, cal: Calendars, approver_id: str, text: str, under: str | None, number: int, now: datetime
) -> dict:
    """The owner's answer to an approver's question: in the thread of the question, or to the approver."""
    # In the thread of the question, the conversation's language (the workspace's); else the approver's.
    reader = f"{approver_id},{ini.owner_id}" if under else approver_id
    with _reading(cal, ini.team_id, reader):
        values = {"owner": mention(ini.owner_id), "approver": mention(approver_id), "title": msg.title_of(ini)}
        said_ = (
            t(
                "{owner} answered the question of {approver} about {title}:\n>{answer}\n"
                "The wait is on the approvers again.",
                answer=escape(text),
                **values,
            )
            if text
            else t(
                "{owner} answered the question of {approver} about {title}.\nThe wait is on the approvers again.",
                **values,
            )
        )
        body = msg.notice(ini, said_, t("the owner answered the question; your sign-off is needed again"))
    return _to(
        ini,
        keys.question_answered(ini.id, approver_id, number),
        approver_id,
        body,
        now,
        target_key=under,
    )


def owner_reminder(ini: Initiative, cal: Calendars, a: Approval, key: str, waited: float, now: datetime) -> dict:
    """The owner reminded that an approver's question waits on their answer (the approver is not nudged meanwhile);
    `waited`: for how long, in business seconds."""
    with _reading(cal, ini.team_id, ini.owner_id):
        wait = describe_wait(waited)
        text = t(
            "Reminder: {approver} asked you a question about {title} *{waited}* ago, and their sign-off waits on your "
            "answer. Answer in the conversation with them (or `/greenlight answer {reference} <text>`), then click "
            "*Answered*. The deadline stays *{deadline}*; extend it if you need to.",
            approver=mention(a.approver_id),
            title=msg.title_of(ini),
            waited=wait,
            reference=ini.reference,
            deadline=msg.day(ini.deadline),
        )
        value = str(ini.id)
        blocks = [
            section(text),
            actions(
                # Translators: the button the owner clicks once they have answered an approver's question.
                button(t("Answered"), Action.ANSWERED, value, "primary"),
                # Translators: the button that extends an initiative's deadline.
                button(t("Extend"), Action.EXTEND, value),
            ),
        ]
        first = t("{reference}: a question waits on your answer for {waited}", reference=ini.reference, waited=wait)
    return _to(ini, key, ini.owner_id, payload(first, blocks), now)


# ---- reminders ----------------------------------------------------------------------------------

# The opening of a reminder, by kind; to the delegate of an away approver (`stand_in`), waiting on that approver.
OPENINGS = {
    "last_call": (
        N_("*Last call* for {title}: it has waited on you for *{waited}*."),
        N_("*Last call* for {title}: it has waited on {approver} for *{waited}*."),
    ),
    "manual": (
        N_("{owner} sent you a reminder about {title}: it has waited on you for *{waited}*."),
        N_("{owner} sent you a reminder about {title}: it has waited on {approver} for *{waited}*."),
    ),
    "nudge": (
        N_("Reminder: {title} has waited on you for *{waited}*."),
        N_("Reminder: {title} has waited on {approver} for *{waited}*."),
    ),
}
# What the notification of a reminder says, by kind: to the approver, to the delegate standing in for them.
FIRSTS = {
    "last_call": (
        N_("last call, waiting on you for {waited}; the sponsor decides after {deadline}"),
        N_(
            "you stand in for an away approver; last call, waiting on them for {waited}; the sponsor decides after {deadline}"
        ),
    ),
    "manual": (
        N_("a reminder from the owner, waiting on you for {waited}"),
        N_("you stand in for an away approver; a reminder from the owner, waiting on them for {waited}"),
    ),
    "nudge": (
        N_("waiting on you for {waited}"),
        N_("you stand in for an away approver; waiting on them for {waited}"),
    ),
}


def nudge(
    ini: Initiative,
    cal: Calendars,
    a: Approval,
    key: str,
    kind: str,
    waited: float,
    upcoming: date | None,
    now: datetime,
    not_before: datetime | None = None,
    stand_in: str | None = None,
) -> dict:
    """A reminder to one approver ('nudge', 'last_call' or 'manual'): how long (`waited`, business seconds), who
    else, what happens next; to the delegate who stands in for them (`stand_in`) while they are away."""
    to = stand_in or a.approver_id

    def build() -> dict:
        wait = describe_wait(waited)
        deadline = msg.day(ini.deadline)
        opening = t(
            OPENINGS.get(kind, OPENINGS["nudge"])[bool(stand_in)],
            title=msg.title_of(ini),
            owner=mention(ini.owner_id),
            approver=mention(a.approver_id),
            waited=wait,
        )
        if stand_in:
            opening += " " + t(
                "You stand in for {approver}, who is away: your answer counts as theirs.",
                approver=mention(a.approver_id),
            )
        others = [x for x in ini.pending if x.id != a.id]
        lines = [
            opening,
            t("Also pending: {approvers}.", approvers=", ".join(mention(x.approver_id) for x in others))
            if others
            else t("You are the last one pending."),
        ]
        plan = t("Next reminder: {day}.", day=msg.day(upcoming)) + " " if upcoming and kind != "last_call" else ""
        lines.append(
            plan
            + t(
                "At the end of {deadline}, {sponsor} will be asked whether to proceed without your sign-off.",
                deadline=deadline,
                sponsor=mention(ini.sponsor_id),
            )
        )
        first = t(FIRSTS.get(kind, FIRSTS["nudge"])[bool(stand_in)], waited=wait, deadline=deadline)
        # The reference leads the notification: a day's reminders are listed by it (reminders()).
        return msg.message_with_buttons(f"{ini.reference}: {first}", "\n".join(lines), ini)

    with _reading(cal, ini.team_id, to):
        body = build()
    return _to(ini, key, to, body, now, not_before=not_before, render=build)


MAX_REMINDERS = 23  # each is a section and its buttons: 2 + 2 × 23 + 1 blocks stay under Slack's 50


def reminders(cal: Calendars, team_id: str, person: str, rows: list[dict], day: date) -> dict:
    """Reminders due to one person at once, combined into one DM: each initiative's text with its own buttons,
    cut at Slack's limits with 'and N more' pointing to the App Home."""
    shown = rows[:MAX_REMINDERS]
    refs = ", ".join(r["payload"]["text"].split(":")[0] for r in rows)
    with _reading(cal, team_id, person):
        blocks = [
            section(
                tn(
                    "*{n} approval waits on you today.* Each has its buttons below.",
                    "*{n} approvals wait on you today.* Each has its buttons below.",
                    len(rows),
                )
            )
        ]
        for r in shown:
            blocks += r["payload"]["blocks"]
        if len(rows) > len(shown):
            blocks.append(
                context(
                    tn(
                        "… and {n} more: your App Home lists everything that waits on you.",
                        "… and {n} more: your App Home lists everything that waits on you.",
                        len(rows) - len(shown),
                    )
                )
            )
        body = payload(tn("{n} reminder: {refs}", "{n} reminders: {refs}", len(rows), refs=refs), blocks)
    # Linked to the first initiative (whose owner hears if it cannot be delivered); its buttons name each one.
    return row(
        team_id,
        keys.reminders(person, day, rows[0]["key"]),
        person,
        body,
        now=rows[0]["created_at"],
        initiative_id=rows[0]["initiative_id"],
        not_before=max(r["next_attempt_at"] for r in rows),
    )


# ---- away and delegation -------------------------------------------------------------------------


def delegated_request(ini: Initiative, a: Approval, delegate: str, absence: Absence, cal: Calendars, now) -> dict:
    """The sign-off request of an away approver, passed on to the delegate who stands in for them."""
    with _reading(cal, ini.team_id, delegate):
        text = t(
            "{approver} is away (back {back}) and named you to stand in: {owner} asks for their sign-off on "
            "{title}.\nDeadline: *{deadline}*. Your answer counts as theirs and is recorded with both names. {plan}",
            approver=mention(a.approver_id),
            back=msg.day(absence.ends_at.astimezone(cal.tz(ini.team_id, a.approver_id)).date()),
            owner=mention(ini.owner_id),
            title=msg.title_of(ini),
            deadline=msg.day(ini.deadline),
            plan=plan_text(ini, None),
        )
        body = msg.message_with_buttons(
            t(
                "{reference}: you stand in for {approver}; sign-off requested on {title}",
                reference=ini.reference,
                approver=mention(a.approver_id),
                title=escape(ini.title),
            ),
            text,
            ini,
        )
    return _to(ini, keys.delegated_request(a.id, delegate), delegate, body, now)


def approver_away(ini: Initiative, a: Approval, absence: Absence, back: datetime, cal: Calendars, now) -> dict:
    """The owner told, once, that an approver is away with nobody standing in: when they are back, and Extend."""
    owner_tz = cal.tz(ini.team_id, ini.owner_id)
    with _reading(cal, ini.team_id, ini.owner_id):
        text = t(
            "{approver} is away, with nobody standing in for them, until {back} your time. Their sign-off on {title} "
            "waits until then, and they get no reminders meanwhile. The deadline is *{deadline}*: extend it if you "
            "need their answer.",
            approver=mention(a.approver_id),
            back=msg.local_time(back, owner_tz),
            title=msg.title_of(ini),
            deadline=msg.day(ini.deadline),
        )
        first = t(
            "{reference}: an approver is away until {day}; extend?",
            reference=ini.reference,
            day=msg.day(back.astimezone(owner_tz).date()),
        )
        # Translators: the button that extends an initiative's deadline.
        body = payload(first, [section(text), actions(button(t("Extend"), Action.EXTEND, str(ini.id)))])
    return _to(ini, keys.approver_away(absence.id, a.id), ini.owner_id, body, now)


# What was done for someone away, by the event's kind (services/away.py ANSWERS): one line each.
ANSWERED_WHILE_AWAY = {
    "approved": N_("{who} approved {title} for you"),
    "rejected": N_("{who} rejected {title} for you"),
    "objected": N_("{who} objected to {title} for you"),
    "ratified": N_("{who} approved (after the sponsor decided to proceed) {title} for you"),
    "proceeded": N_("{who} decided to proceed with {title} for you"),
    "extended": N_("{who} extended {title} for you"),
    "withdrawn": N_("{who} withdrew {title} for you"),
}


def welcome_back(absence: Absence, answered: list[tuple[Initiative, str, str]], cal: Calendars, now) -> dict:
    """Someone back from an absence with a delegate: what was answered for them while they were away (each answer:
    its initiative, who gave it, and the kind of its event)."""
    with _reading(cal, absence.team_id, absence.user_id):
        if answered:
            lines = [
                "• " + t(ANSWERED_WHILE_AWAY[kind], who=mention(who), title=msg.title_of(ini))
                for ini, who, kind in answered
            ]
            text = t("Welcome back. While you were away:") + "\n" + "\n".join(lines)
            first = tn(
                "welcome back: {n} answer given for you while away",
                "welcome back: {n} answers given for you while away",
                len(answered),
            )
        else:
            text = t(
                "Welcome back. {delegate} stood in for you; nothing was answered for you.",
                delegate=mention(absence.delegate_id),
            )
            first = t("welcome back: nothing was answered for you while away")
        text += "\n" + t("Your App Home lists what still waits on you.")
        body = payload(first, [section(text)])
    return row(absence.team_id, keys.welcome_back(absence.id), absence.user_id, body, now=now)


# ---- after the deadline -------------------------------------------------------------------------


MISSING = (Decision.PENDING, Decision.QUEUED)  # sign-offs still missing: asked, or in a stage not asked yet


def stalled_stage(ini: Initiative) -> str:
    """Of an initiative in stages: which stage is stalled and which are not asked yet ('' for one stage)."""
    stage = stages.current(ini)
    if stage is None or stages.count(ini) == 1:
        return ""
    later = [n for n in range(stage + 1, stages.count(ini)) if stages.names(ini, n)]
    waiting = "".join(
        " "
        + t(
            "{stage} ({approvers}) is not asked yet.",
            stage=stages.label(ini, n).capitalize(),
            approvers=stages.names(ini, n),
        )
        for n in later
    )
    stalled = t(
        "*{stage}* is stalled ({tally}).", stage=stages.label(ini, stage).capitalize(), tally=stages.tally(ini, stage)
    )
    return f"{stalled}{waiting} "


def sponsor_question(
    ini: Initiative,
    waits: list,
    *,
    again: bool,
    report_due: date | None = None,
    waited: int | None = None,
    stand_in: str | None = None,
    sponsor_away: str = "",
) -> dict:
    """The escalation DM: what waits on whom and for how long, who approved, what each choice does, and the
    three buttons. `waited`: to the escalation contact (`escalate-to`), the sponsor having not decided for that many
    business days (and `sponsor_away`: ' (away until …)' when they are); to the delegate of an away sponsor
    (`stand_in`), said so. Built in the language of the moment (the caller's `_reading`)."""
    pending = [
        "• " + t("{approver}: no answer for *{waited}*", approver=mention(w.approval.approver_id), waited=w.text)
        for w in waits
        if w.approval.decision == Decision.PENDING
    ]
    approved = [mention(w.approval.approver_id) for w in waits if w.approval.decision == Decision.APPROVED]
    values = {"title": msg.title_of(ini), "deadline": msg.day(ini.deadline), "sponsor": mention(ini.sponsor_id)}
    if waited is None:
        opening = (
            t("Reminder: your decision is still needed on {title} ({deadline}).", **values)
            if again
            else t("The deadline has passed on {title} ({deadline}).", **values)
        )
        role = (
            t(
                "The sponsor {sponsor} is away and you stand in for them: your decision counts as theirs (recorded "
                "with both names). Your choices:",
                sponsor=mention(ini.sponsor_id),
            )
            if stand_in
            else t("You are the sponsor; your choices:")
        )
    else:
        opening = (
            t(
                "Reminder: a decision is still needed on {title}, and the sponsor {sponsor} has not decided "
                "({deadline}).",
                **values,
            )
            if again
            else tn(
                "The sponsor {sponsor} has not decided on {title} for *{n} business day* since being asked, after "
                "the deadline passed ({deadline}).",
                "The sponsor {sponsor} has not decided on {title} for *{n} business days* since being asked, after "
                "the deadline passed ({deadline}).",
                waited,
                **values,
            )
        )
        role = t(
            "Sponsor: {sponsor}{away}. You are the workspace's escalation contact (`escalate-to`), so you may decide "
            "in the sponsor's place; your choices:",
            sponsor=mention(ini.sponsor_id),
            away=sponsor_away,
        )
    if blocked := stages.blocking(ini):
        proceed = t(
            "*Proceed and report* waits for {required}: without that approval you cannot proceed. Extend the "
            "deadline, or withdraw.",
            required=stages.required_names(blocked),
        )
    elif report_due:
        proceed = t(
            "*Proceed and report*: {owner} is told to go ahead and to report by {day} if you decide today; the "
            "pending approvers and the channel are told. Approvers can still approve, but no longer reject.",
            owner=mention(ini.owner_id),
            day=msg.day(report_due),
        )
    else:
        proceed = t(
            "*Proceed and report*: {owner} is told to go ahead and to report; the pending approvers and the channel "
            "are told. Approvers can still approve, but no longer reject.",
            owner=mention(ini.owner_id),
        )
    still_waiting = t("Still waiting on:")
    text = (
        f"{opening} {stalled_stage(ini)}{still_waiting}\n"
        + "\n".join(pending)
        + "\n"
        + (
            t("Already approved: {approvers}.", approvers=", ".join(approved))
            if approved
            else t("Nobody has approved yet.")
        )
        + "\n"
        + t("Owner: {owner}.", owner=mention(ini.owner_id))
        + f" {role}\n• {proceed}\n• "
        + t("*Extend*: you pick a new deadline; the approvers are told and reminded again.")
        + "\n• "
        + t("*Withdraw*: it is closed; the owner, the pending approvers and the channel are told.")
    )
    missing = sum(w.approval.decision in MISSING for w in waits)
    if waited is not None:
        fallback = (
            t("a decision is still needed; you may decide in the silent sponsor's place")
            if again
            else tn(
                "the sponsor has not decided for {n} business day; you may decide",
                "the sponsor has not decided for {n} business days; you may decide",
                waited,
            )
        )
    else:
        fallback = (
            tn(
                "your decision is still needed, {missing} of {n} sign-off missing",
                "your decision is still needed, {missing} of {n} sign-offs missing",
                len(waits),
                missing=missing,
            )
            if again
            else tn(
                "deadline passed, {missing} of {n} sign-off missing; you decide",
                "deadline passed, {missing} of {n} sign-offs missing; you decide",
                len(waits),
                missing=missing,
            )
        )
    return msg.sponsor_decision(f"{ini.reference}: {fallback}", text, ini)


# The owner told who decides now that the deadline has passed, and when they are asked.
WHO_DECIDES = {
    "asked": N_("I asked the sponsor {sponsor} whether to proceed and report, extend, or withdraw."),
    "later": N_(
        "The sponsor {sponsor} will be asked on {when} their time whether to proceed and report, extend, or withdraw."
    ),
    "stand_in": N_(
        "The sponsor {sponsor} is away: I asked {stand_in}, who stands in for them, whether to proceed and report, "
        "extend, or withdraw."
    ),
    "back": N_(
        "The sponsor {sponsor} is away, with nobody standing in; they will be asked on their return, {when} your "
        "time, whether to proceed and report, extend, or withdraw."
    ),
}


def sponsor_asked(
    ini: Initiative,
    cal: Calendars,
    waits: list,
    now: datetime,
    asked_at: datetime,
    *,
    again: bool,
    stand_in: str | None = None,
    back: datetime | None = None,
) -> list[dict]:
    """The sponsor's question, first or again, arriving `asked_at` (in the working hours of whoever decides, after
    their digest); at the first, the owner is told when that is. While the sponsor is away it goes to their
    delegate (`stand_in`), or waits for their return (`back`)."""
    key = (
        keys.sponsor_asked_again(ini.id, ini.extensions, ini.sponsor_asks, ini.round)
        if again
        else keys.escalation(ini.id, ini.extensions, ini.round)
    )
    decider = stand_in or ini.sponsor_id
    ws = cal.ws(ini.team_id)
    report_due = cal.week(ini.team_id).add_business_days(asked_at.astimezone(zone(ws.timezone)).date(), ws.report_after)
    with _reading(cal, ini.team_id, decider):
        body = sponsor_question(ini, waits, again=again, report_due=report_due, stand_in=stand_in)
    rows = [_to(ini, key, decider, body, now, not_before=asked_at)]
    if not again and ini.owner_id != ini.sponsor_id:
        # The sponsor is asked in their working hours: the owner reads when that really is.
        if stand_in:
            how, tz = "stand_in", cal.tz(ini.team_id, ini.sponsor_id)
        elif back:
            how, tz = "back", cal.tz(ini.team_id, ini.owner_id)
        else:
            how, tz = ("asked" if asked_at <= now else "later"), cal.tz(ini.team_id, ini.sponsor_id)
        missing = sum(w.approval.decision in MISSING for w in waits)
        local = asked_at.astimezone(cal.tz(ini.team_id, ini.sponsor_id))
        with _reading(cal, ini.team_id, ini.owner_id):
            text = (
                t("The deadline of {title} has passed with sign-offs missing.", title=msg.title_of(ini))
                + " "
                + t(
                    WHO_DECIDES[how],
                    sponsor=mention(ini.sponsor_id),
                    stand_in=mention(stand_in) if stand_in else "",
                    when=msg.local_time(asked_at, tz),
                )
            )
            what = tn(
                "deadline passed, {missing} of {n} sign-off missing; the sponsor decides {day} {time}",
                "deadline passed, {missing} of {n} sign-offs missing; the sponsor decides {day} {time}",
                len(waits),
                missing=missing,
                day=i18n.short_day(local.date()),
                time=i18n.clock(local),
            )
            body = msg.notice(ini, text, what)
        rows.append(_to(ini, keys.escalated_to_owner(ini.id, ini.extensions, ini.round), ini.owner_id, body, now))
    return rows


def _report_due_if_asked(ini: Initiative, cal: Calendars, person: str, now: datetime) -> tuple[datetime, date]:
    """When this person is asked (their next working moment), and the report due date if they proceed then."""
    asked_at = cal.working_moment(ini.team_id, person, now)
    ws = cal.ws(ini.team_id)
    due = cal.week(ini.team_id).add_business_days(asked_at.astimezone(zone(ws.timezone)).date(), ws.report_after)
    return asked_at, due


def deputies_asked(
    ini: Initiative, cal: Calendars, waits: list, people: list[str], now: datetime, *, again: bool
) -> list[dict]:
    """The escalation contact's question (first or again), each person in their own working hours."""
    waited = cal.ws(ini.team_id).sponsor_wait
    absence = cal.away(ini.team_id, ini.sponsor_id, now)  # SPEC: the contact is told the sponsor is away
    rows = []
    for person in people:
        asked_at, report_due = _report_due_if_asked(ini, cal, person, now)
        ask = ini.sponsor_asks if again else 0
        with _reading(cal, ini.team_id, person):
            sponsor_away = ""
            if absence:
                last = msg.day(
                    (absence.ends_at.astimezone(cal.tz(ini.team_id, ini.sponsor_id)) - timedelta(microseconds=1)).date()
                )
                sponsor_away = " " + (
                    t(
                        "(away until {day}, {stand_in} standing in)",
                        day=last,
                        stand_in=mention(ini.sponsor_stand_in_id),
                    )
                    if ini.sponsor_stand_in_id
                    else t("(away until {day}, nobody standing in)", day=last)
                )
            body = sponsor_question(
                ini, waits, again=again, report_due=report_due, waited=waited, sponsor_away=sponsor_away
            )
        key = keys.further_asked(ini.id, person, ini.extensions, ask, ini.round)
        rows.append(_to(ini, key, person, body, now, not_before=asked_at))
    return rows


def escalated_further(
    ini: Initiative, cal: Calendars, waits: list, contact: str, people: list[str], now: datetime
) -> list[dict]:
    """The sponsor silent for `sponsor-wait` business days: the escalation contact is asked with the sponsor's
    choices; the sponsor and the owner learn who was asked (each in their working hours)."""
    waited = cal.ws(ini.team_id).sponsor_wait
    values = {"title": msg.title_of(ini), "contact": mention(contact), "sponsor": mention(ini.sponsor_id)}

    def told(person: str) -> dict:
        if person == ini.owner_id:
            text = tn(
                "The sponsor {sponsor} has not decided on {title} for {n} business day, so I asked {contact} (the "
                "workspace's `escalate-to`) to decide: proceed and report, extend, or withdraw.",
                "The sponsor {sponsor} has not decided on {title} for {n} business days, so I asked {contact} (the "
                "workspace's `escalate-to`) to decide: proceed and report, extend, or withdraw.",
                waited,
                **values,
            )
            what = t("the sponsor has not decided; the escalation contact was asked")
        else:
            text = tn(
                "You have not decided on {title} for {n} business day since you were asked, so I asked {contact} "
                "(the workspace's `escalate-to`), who may now decide in your place. You can still decide yourself "
                "with the buttons of my earlier message or in your App Home.",
                "You have not decided on {title} for {n} business days since you were asked, so I asked {contact} "
                "(the workspace's `escalate-to`), who may now decide in your place. You can still decide yourself "
                "with the buttons of my earlier message or in your App Home.",
                waited,
                **values,
            )
            what = tn(
                "you have not decided for {n} business day; the escalation contact was asked",
                "you have not decided for {n} business days; the escalation contact was asked",
                waited,
            )
        body = msg.notice(ini, text, what)
        return _to(ini, keys.further_told(ini.id, person, ini.extensions, ini.round), person, body, now)

    rows = deputies_asked(ini, cal, waits, people, now, again=False)
    told_people = [p for p in dict.fromkeys([ini.sponsor_id, ini.owner_id]) if p not in people]
    return rows + _each(cal, ini.team_id, told_people, told)


def nobody_to_escalate_to(
    ini: Initiative, cal: Calendars, contact: str, sponsor_only: bool, admins: list[str], now: datetime
) -> list[dict]:
    """The sponsor silent for `sponsor-wait` business days, but `escalate-to` is a user group with nobody who could
    decide (empty, or only the sponsor in it): the owner, the sponsor and the workspace admins are told so."""
    waited = cal.ws(ini.team_id).sponsor_wait

    def told(person: str) -> dict:
        values = {"title": msg.title_of(ini), "sponsor": mention(ini.sponsor_id)}
        values["why"] = (
            t("the workspace's `escalate-to`, {contact}, has no member but the sponsor", contact=mention(contact))
            if sponsor_only
            else t("the workspace's `escalate-to`, {contact}, has no members", contact=mention(contact))
        )
        values["fix"] = t(
            "A workspace admin can name someone who can decide: `/greenlight settings escalate-to @person`."
        )
        if person == ini.sponsor_id:
            text = tn(
                "You have not decided on {title} for {n} business day since you were asked, and nobody could be "
                "asked in your place: {why}. The decision is still yours: proceed and report, extend, or withdraw, "
                "with the buttons of my earlier message or in your App Home.",
                "You have not decided on {title} for {n} business days since you were asked, and nobody could be "
                "asked in your place: {why}. The decision is still yours: proceed and report, extend, or withdraw, "
                "with the buttons of my earlier message or in your App Home.",
                waited,
                **values,
            )
            what = tn(
                "you have not decided for {n} business day; the decision is still yours",
                "you have not decided for {n} business days; the decision is still yours",
                waited,
            )
        elif person == ini.owner_id:
            text = tn(
                "The sponsor {sponsor} has not decided on {title} for {n} business day, and nobody could be asked "
                "in their place: {why}. I keep asking the sponsor. {fix}",
                "The sponsor {sponsor} has not decided on {title} for {n} business days, and nobody could be asked "
                "in their place: {why}. I keep asking the sponsor. {fix}",
                waited,
                **values,
            )
            what = t("the sponsor has not decided, and nobody else could be asked")
        else:
            text = tn(
                "Nobody could be asked to decide on {title} in place of its silent sponsor {sponsor} (for {n} "
                "business day): {why}. {fix}",
                "Nobody could be asked to decide on {title} in place of its silent sponsor {sponsor} (for {n} "
                "business days): {why}. {fix}",
                waited,
                **values,
            )
            what = t("nobody could be asked in the silent sponsor's place: `escalate-to` has nobody who can decide")
        body = msg.notice(ini, text, what)
        return _to(ini, keys.further_nobody(ini.id, person, ini.extensions, ini.round), person, body, now)

    return _each(cal, ini.team_id, dict.fromkeys([ini.owner_id, ini.sponsor_id, *admins]), told)


def proceeding(
    ini: Initiative, cal: Calendars, actor: str, note: str, pending: list[Approval], now: datetime
) -> list[dict]:
    """The sponsor decided to proceed: the owner goes ahead, pending approvers and the channel are told."""

    def values() -> dict:
        # Translators: who has not signed off, when nobody is missing: "without the missing sign-offs (nobody)".
        missing = ", ".join(mention(a.approver_id) for a in pending) or t("nobody")
        return {
            "actor": mention(actor),
            "title": msg.title_of(ini),
            "missing": missing,
            "report_due": msg.day(ini.report_due),
            "reference": ini.reference,
            "note": quoted(note),
            "owner": mention(ini.owner_id),
        }

    def to_owner(owner: str) -> dict:
        text = t(
            "{actor} decided to *proceed* with {title} without the missing sign-offs ({missing}). Go ahead, and "
            "report the results by *{report_due}* with `/greenlight report {reference} <what happened>`.{note}",
            **values(),
        )
        body = msg.notice(ini, text, t("proceeding, go ahead; report due {report_due}", **values()))
        return _to(ini, keys.proceeding(ini.id, "owner"), owner, body, now)

    def to_sponsor(sponsor: str) -> dict:
        text = t(
            "{actor} decided in your place to *proceed* with {title} without the missing sign-offs ({missing}). "
            "The report is due {report_due}.{note}",
            **values(),
        )
        body = msg.notice(ini, text, t("proceeding: the escalation contact decided in your place"))
        return _to(ini, keys.proceeding(ini.id, "sponsor"), sponsor, body, now)

    def to_approver(a: Approval) -> dict:
        with _reading(cal, ini.team_id, a.approver_id):
            text = t(
                "Thank you for your time on {title}. The sponsor {actor} decided to proceed without waiting longer "
                "for sign-off; {owner} will report the results by {report_due}. If you still approve, your approval "
                "is recorded as a ratification.",
                **values(),
            )
            body = msg.notice(ini, text, t("the sponsor decided to proceed without waiting longer"))
        return _to(ini, keys.proceeding_to_approver(a.id), a.approver_id, body, now)

    def note_in(channel: str) -> dict:
        text = t(
            "{actor} decided to *proceed and report* on {title} without sign-off from {missing}. Report due "
            "{report_due}.{note}",
            **values(),
        )
        body = msg.notice(ini, text, t("proceeding without all sign-offs; report due {report_due}", **values()))
        return _to(ini, keys.proceeding(ini.id, "note"), channel, body, now)

    rows = _each(cal, ini.team_id, [ini.owner_id], to_owner)
    if actor != ini.sponsor_id:  # the escalation contact decided in the sponsor's place
        rows += _each(cal, ini.team_id, [ini.sponsor_id], to_sponsor)
    rows += [to_approver(a) for a in pending]
    rows += settled_requests(
        ini,
        cal,
        now,
        {
            a.id: lambda: t(
                "The sponsor decided to proceed; a report will follow. You can still approve with "
                "`/greenlight approve {reference}`.",
                reference=ini.reference,
            )
            for a in pending
        },
    )
    return rows + _each(cal, ini.team_id, [ini.channel_id], note_in)


def extended(ini: Initiative, actor: str, cal: Calendars, now: datetime, last_calls: set[int]) -> list[dict]:
    """A new deadline: pending approvers get it with their buttons (as their last call when that is already due:
    `last_calls`, approval ids), the owner and sponsor are told."""

    def said_() -> str:
        return t(
            "{actor} extended the deadline of {title} to *{deadline}*.",
            actor=mention(actor),
            title=msg.title_of(ini),
            deadline=msg.day(ini.deadline),
        )

    rows = []
    for a in ini.pending:
        with _reading(cal, ini.team_id, a.approver_id):
            deadline = msg.day(ini.deadline)
            if a.id in last_calls:
                tz = cal.tz(ini.team_id, a.approver_id)
                waited = describe_wait(cal.week(ini.team_id, a.approver_id).business_seconds(a.requested_at, now, tz))
                body = msg.message_with_buttons(
                    f"{ini.reference}: "
                    + t(
                        "new deadline {deadline}; last call, waiting on you for {waited}",
                        deadline=deadline,
                        waited=waited,
                    ),
                    t(
                        "*Last call*: {extended} It has waited on you for *{waited}*. At the end of {deadline}, "
                        "{sponsor} will be asked whether to proceed without your sign-off.",
                        extended=said_(),
                        waited=waited,
                        deadline=deadline,
                        sponsor=mention(ini.sponsor_id),
                    ),
                    ini,
                )
                rows.append(_to(ini, keys.last_call(a.id, ini.deadline), a.approver_id, body, now))
            else:
                body = msg.message_with_buttons(
                    f"{ini.reference}: " + t("new deadline {deadline}", deadline=deadline),
                    said_() + " " + t("Your sign-off is still needed."),
                    ini,
                )
                rows.append(_to(ini, keys.extended(ini.id, a.approver_id, ini.extensions), a.approver_id, body, now))

    def told(person: str) -> dict:
        body = msg.notice(ini, said_(), t("new deadline {deadline}", deadline=msg.day(ini.deadline)))
        return _to(ini, keys.extended(ini.id, person, ini.extensions), person, body, now)

    return rows + _each(
        cal, ini.team_id, [p for p in dict.fromkeys([ini.owner_id, ini.sponsor_id]) if p != actor], told
    )


def report_due(ini: Initiative, cal: Calendars, overdue: bool, now: datetime) -> list[dict]:
    """The owner reminded that the report is due (or overdue)."""
    with _reading(cal, ini.team_id, ini.owner_id):
        values = {
            "title": msg.title_of(ini),
            "day": msg.day(ini.report_due),
            "sponsor": mention(ini.sponsor_id),
            "reference": ini.reference,
        }
        if overdue:
            text = t(
                "The report on {title} is overdue since {day}. {sponsor} decided to proceed without all sign-offs; "
                "tell everyone how it went with `/greenlight report {reference} <what happened>`.",
                **values,
            )
            what = t("report overdue since {day}", **values)
        else:
            text = t(
                "The report on {title} is due {day}. {sponsor} decided to proceed without all sign-offs; tell "
                "everyone how it went with `/greenlight report {reference} <what happened>`.",
                **values,
            )
            what = t("report due {day}", **values)
        body = msg.notice(ini, text, what)
    return [_to(ini, keys.report_reminder(ini.id, ini.report_reminders), ini.owner_id, body, now)]


def reported(ini: Initiative, cal: Calendars, actor: str, text: str, now: datetime) -> list[dict]:
    """The report: posted in the channel and sent to the owner, the sponsor and every approver, with the
    objections raised after proceeding."""
    objections = [a for a in ini.approvals if a.decision == Decision.REJECTED]

    def body() -> dict:
        said_ = t(
            "*Report* on {title} from {actor}, after proceeding without all sign-offs:\n>{report}",
            title=msg.title_of(ini),
            actor=mention(actor),
            report=escape(text),
        )
        if objections:
            said_ += (
                "\n"
                + t("*Objections*")
                + "\n"
                + "\n".join(f"• {mention(a.approver_id)}: {escape(a.comment or '')}" for a in objections)
            )
        return msg.notice(ini, said_, t("report filed"))

    note = _each(cal, ini.team_id, [ini.channel_id], lambda to: _to(ini, keys.report_note(ini.id), to, body(), now))
    people = [
        p for p in dict.fromkeys([ini.owner_id, ini.sponsor_id, *(a.approver_id for a in ini.approvals)]) if p != actor
    ]
    return note + _each(cal, ini.team_id, people, lambda to: _to(ini, keys.report(ini.id, to), to, body(), now))


# ---- delivery -----------------------------------------------------------------------------------


def undeliverable(
    ini: Initiative, cal: Calendars, failed: OutboxMessage, error: str, reminders_stopped: bool, now: datetime
) -> list[dict]:
    """The owner told, in their language, that a message about their initiative could not be delivered."""
    recipient = failed.recipient
    who = ", ".join(mention(u) for u in recipient.split(",")) if recipient[0] in "UW" else f"<#{recipient}>"
    with _reading(cal, ini.team_id, ini.owner_id):
        text = t(
            "I could not deliver a message about *{reference}* to {who} ({error}). Please reach them another way, or "
            "check that I can post there.",
            reference=ini.reference,
            who=who,
            error=error,
        )
        if reminders_stopped:
            text += " " + t("I will not send them more reminders about it.")
        body = payload(text)
    return [_to(ini, keys.undeliverable(failed.id), ini.owner_id, body, now)]
