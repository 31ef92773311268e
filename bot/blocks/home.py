"""The App Home tab: what waits on you, what you own, what you sponsor, with the buttons you may use."""

from __future__ import annotations

from bot import i18n, stages
from bot.blocks.common import actions, button, context, header, section
from bot.blocks.ids import Action
from bot.blocks.initiatives import (
    capitalized,
    deadline_of,
    proceed_button,
    snooze_menu,
    sponsor_buttons,
    status_label,
    title_of,
    withdraw_button,
)
from bot.blocks.lists import initiative_row
from bot.i18n import N_, t, tn
from bot.text import is_group, mention

MAX_BLOCKS = 100  # Slack's limit for a Home tab
OPEN = ("open", "escalated")


def waiting_item(ini, wait, reader_id: str = "") -> list[dict]:
    """An initiative that waits on this approver (or on a user group they are in, or on an away approver they stand
    in for): how long, the deadline, Approve, Reject and Snooze (until tomorrow, or longer from the same menu as in
    the DMs)."""
    note = (
        " · " + t("{sponsor} is deciding whether to proceed", sponsor=mention(ini.sponsor_id))
        if ini.status == "escalated"
        else ""
    )
    group = wait.approval.approver_id
    values = {"wait": wait.text, "deadline": deadline_of(ini)}
    if is_group(group):
        waiting = t(
            "Waiting on {group} (any one member answers) for *{wait}* · {deadline}", group=mention(group), **values
        )
    elif reader_id and group != reader_id:
        waiting = t(
            "Waiting on {approver}, who is away and for whom you stand in, for *{wait}* · {deadline}",
            approver=mention(group),
            **values,
        )
    else:
        waiting = t("Waiting on you for *{wait}* · {deadline}", **values)
    text = t("{title} from {owner}", title=title_of(ini), owner=mention(ini.owner_id)) + f"\n{waiting}{note}"
    value = str(ini.id)
    buttons = [
        # Translators: a button: approve the initiative
        button(t("Approve"), Action.APPROVE, value, "primary"),
        # Translators: a button: reject the initiative
        button(t("Reject"), Action.REJECT, value, "danger"),
    ]
    if ini.status == "open":
        # Translators: a button: no reminder until tomorrow
        buttons += [button(t("Snooze"), Action.SNOOZE, value), snooze_menu(ini)]
    return [section(text), actions(*buttons)]


def _row(ini, waits) -> str:
    return f"{initiative_row(ini, waits)}\n_{capitalized(status_label(ini.status))}_"


def owned_item(ini, waits) -> list[dict]:
    """An initiative this person owns: its waits and deadline, Nudge, Extend and Withdraw while allowed."""
    value, buttons = str(ini.id), []
    if ini.status == "open" and ini.pending:
        # Translators: a button: remind the pending approvers now
        buttons.append(button(t("Nudge"), Action.NUDGE, value))
    if ini.status in OPEN:
        # Translators: a button: extend the deadline
        buttons += [button(t("Extend"), Action.EXTEND, value), withdraw_button(ini)]
    return [section(_row(ini, waits))] + ([actions(*buttons)] if buttons else [])


def sponsored_item(ini, waits) -> list[dict]:
    """An initiative this person sponsors: Proceed and report and Extend while it is undecided."""
    buttons = [] if stages.blocking(ini) else [proceed_button(ini)]
    # Translators: a button: extend the deadline
    buttons.append(button(t("Extend"), Action.EXTEND, str(ini.id)))
    return [section(_row(ini, waits))] + ([actions(*buttons)] if ini.status in OPEN else [])


def decision_item(ini, waits, *, in_place: bool = False) -> list[dict]:
    """An escalated initiative whose sponsor this person is (or, `in_place`, whom `escalate-to` asked to decide in
    the silent sponsor's place): the decision waits (SPEC §4), with its buttons."""
    pending = ", ".join(mention(w.approval.approver_id) for w in waits if w.approval.decision == "pending")
    sentences = [
        t(
            "*Decision:* {title} from {owner} passed its {deadline} without sign-off from {pending}.",
            title=title_of(ini),
            owner=mention(ini.owner_id),
            deadline=deadline_of(ini),
            pending=pending or t("everyone"),
        )
    ]
    if in_place:
        sentences.append(
            t(
                "The sponsor {sponsor} has not decided, so you were asked in their place (`escalate-to`).",
                sponsor=mention(ini.sponsor_id),
            )
        )
    sentences.append(t("Proceed and report, extend, or withdraw?"))
    if missing := stages.blocking(ini):
        sentences.append(t("Proceeding waits for {required}.", required=stages.required_names(missing)))
    text = " ".join(sentences)
    return [section(text), sponsor_buttons(ini)]


def more_newest(left: int, more: bool) -> str:
    """'… and 1,234 more (the newest).', '… and 200+ more (the newest).' when the count stopped short."""
    if more:
        return tn(
            "… and {count}+ more (the newest).", "… and {count}+ more (the newest).", left, count=i18n.number(left)
        )
    return tn("… and {count} more (the newest).", "… and {count} more (the newest).", left, count=i18n.number(left))


def _fit(groups: list[list[list[dict]]], budget: int) -> list[int]:
    """How many items of each group fit in `budget` blocks, taking one item of each group in turn."""
    shown = [0] * len(groups)
    progress = True
    while progress:
        progress = False
        for g, items in enumerate(groups):
            if shown[g] < len(items) and len(items[shown[g]]) <= budget:
                budget -= len(items[shown[g]])
                shown[g] += 1
                progress = True
    return shown


INTRO = N_(
    "*How Greenlight works*\n"
    "• The *owner* registers an initiative, a plan that needs sign-off, with the button below or "
    "`/greenlight new`, naming its *approvers* and one *sponsor*.\n"
    "• Each approver is asked to approve or reject. Greenlight counts how long each one keeps it waiting in "
    "*business days* (working days without public holidays, in their own calendar) and reminds them in their "
    "working hours, at most once a day.\n"
    "• If sign-off is still missing when the deadline passes, the sponsor decides: *proceed and report* (go ahead "
    "without the missing sign-offs; the owner reports the results afterwards), extend the deadline, or withdraw.\n"
    "• Every Monday, each channel with open initiatives gets a summary of what waits on whom. "
    "`/greenlight help` has an example of every command."
)
SHORT_INTRO = N_(
    "Greenlight keeps approvals from stalling. `/greenlight new` registers an initiative, "
    "`/greenlight help` explains how it works."
)


def setup_checklist(missing: list[str], own_tz: str) -> list[dict]:
    """For workspace admins: each setup step not yet done (SETUP in bot/services/settings.py) with the exact command
    that does it; nothing once all are done."""
    if not missing:
        return []
    steps = {
        "timezone": t(
            "*Time zone*: still UTC. Deadlines end and summaries are posted in it: "
            "`/greenlight settings timezone {own_tz}`",
            own_tz=own_tz,
        ),
        "holidays": t(
            "*Public holidays*: none yet, so every weekday counts as a business day: "
            "`/greenlight settings holidays DE` (a country or region such as `US-NY`, or `none`)"
        ),
        "summary-channel": t(
            "*Summary channel*: not set. Initiatives registered outside a channel are announced "
            "there: `/greenlight settings summary-channel #approvals`"
        ),
    }
    lines = "\n".join(f"☐ {steps[key]}" for key in missing)
    return [
        section(t("*Set up Greenlight for this workspace* (you see this as an admin)") + f"\n{lines}"),
        context(t("Each step disappears once it is set. `/greenlight settings` shows every setting.")),
    ]


def home(mine, notice: str | None = None, *, first_visit: bool = False, setup: list[dict] | None = None) -> dict:
    """The Home view: the first rows of three lists, oldest first, cut to Slack's 100 blocks with 'and N more'.
    On a person's first visit it explains how Greenlight works; `setup` is an admin's checklist."""
    # Decisions waiting on a sponsor come first under "Waiting on you": her decision is what waits on her.
    # So do those the workspace's `escalate-to` was asked to take in a silent sponsor's place.
    sponsoring = [decision_item(i, w) for i, w in mine.sponsored.rows if i.status == "escalated"]
    decisions = sponsoring + [decision_item(i, w, in_place=True) for i, w in mine.deciding.rows]
    groups = [
        (
            t("Waiting on you"),
            decisions + [waiting_item(i, w, mine.user_id) for i, w in mine.waiting_on_me.rows],
            t("Nothing waits on you."),
        ),
        (
            t("Your initiatives"),
            [owned_item(i, w) for i, w in mine.owned.rows],
            t("You own no open initiative. `/greenlight new` registers one."),
        ),
        (
            t("You sponsor"),
            [sponsored_item(i, w) for i, w in mine.sponsored.rows],
            t("You sponsor no open initiative."),
        ),
    ]
    pages = [mine.waiting_on_me, mine.owned, mine.sponsored]
    totals = [len(sponsoring) + mine.deciding.total + mine.waiting_on_me.total, mine.owned.total, mine.sponsored.total]
    top = [section(f":information_source: {notice}")] if notice else []
    top.append(section(t(INTRO)) if first_visit else context(t(SHORT_INTRO)))
    top.append(
        actions(
            button(t("New initiative"), Action.NEW_INITIATIVE, "new", "primary"),
            button(t("My calendar"), Action.MY_CALENDAR, "me"),
        )
    )
    top += setup or []
    item_lists = [items for _, items, _ in groups]
    # a header per group, then its items (or one line saying it is empty)
    whole = len(top) + sum(1 + (sum(len(item) for item in items) or 1) for items in item_lists)
    if whole <= MAX_BLOCKS:
        shown = [len(items) for items in item_lists]
    else:  # each group keeps its header and one closing line ('and N more', or the empty note)
        shown = _fit(item_lists, MAX_BLOCKS - len(top) - 2 * len(groups))
    blocks = list(top)
    for (title, items, empty), count, total, page in zip(groups, shown, totals, pages):
        blocks.append(header(title))
        for item in items[:count]:
            blocks.extend(item)
        if not items:
            blocks.append(section(empty))
        elif count < total:
            blocks.append(context(more_newest(total - count, page.more)))
    return {"type": "home", "blocks": blocks}
