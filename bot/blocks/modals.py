"""Modal views: the reason for a rejection (and the other forms the listeners open)."""

from __future__ import annotations

from datetime import date

from bot import i18n
from bot.blocks.ids import View
from bot.i18n import N_, t
from bot.text import channel_link, escape, mention, truncate


def text_input(
    block_id: str, label: str, *, multiline=False, optional=False, max_length=None, placeholder=None
) -> dict:
    """An input block holding a plain-text field whose action_id equals its block_id."""
    element = {"type": "plain_text_input", "action_id": block_id, "multiline": multiline}
    if max_length:
        element["max_length"] = max_length
    if placeholder:
        element["placeholder"] = {"type": "plain_text", "text": truncate(placeholder, 150)}
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": truncate(label, 2000)},
        "element": element,
    }


def modal(callback: View, title: str, blocks: list[dict], metadata: str = "", submit: str | None = None) -> dict:
    """A modal view; the title, submit and close are cut to Slack's 24 characters."""
    return {
        "type": "modal",
        "callback_id": callback.value,
        "title": {"type": "plain_text", "text": truncate(title, 24)},
        # Translators: a form's submit button
        "submit": {"type": "plain_text", "text": truncate(submit or t("Submit"), 24)},
        "close": {"type": "plain_text", "text": truncate(t("Cancel"), 24)},
        "private_metadata": metadata,
        "blocks": blocks,
    }


def reject_reason(ini) -> dict:
    """Asks an approver why they reject, and is the confirmation (SPEC §4): it says what the rejection will do and
    who reads the reason before anything happens; nothing is recorded until they submit, Cancel changes nothing."""
    people = t(
        "{owner} (the owner), {sponsor} (the sponsor)", owner=mention(ini.owner_id), sponsor=mention(ini.sponsor_id)
    )
    values = {"people": people, "reference": ini.reference, "channel": channel_link(ini.channel_id)}
    if ini.status == "proceeding":  # SPEC §2: a rejection after proceeding is an objection
        consequence = t(
            "The sponsor has already decided to proceed, so your "
            "rejection is recorded as an *objection*: it does not stop the initiative. "
            "{people} get your reason; it is shown in `/greenlight show {reference}` and listed in the report, "
            "which is posted in {channel}.",
            **values,
        )
        readers = t("The owner, the sponsor and the report's readers will see this.")
    else:
        consequence = t(
            "Rejecting *ends it for everyone* and cannot be undone: "
            "the wait stops, the approvers still asked are told they need not answer, and {people} and "
            "{channel} are told, with your reason.",
            **values,
        )
        readers = t("The owner, the sponsor and the channel will see this.")
    what = f"*{ini.reference}* {escape(ini.title)}\n{consequence}"
    intro = {"type": "section", "text": {"type": "mrkdwn", "text": truncate(what, 3000)}}
    reason = text_input("reason", t("Why do you reject it?"), multiline=True, max_length=2000, placeholder=readers)
    return modal(
        View.REJECT,
        t("Reject {reference}?", reference=ini.reference),
        [intro, reason],
        str(ini.id),
        # Translators: a button: reject the initiative
        t("Reject"),
    )


def ask_question(ini) -> dict:
    """Asks an approver for their question to the owner."""
    intro = {"type": "section", "text": {"type": "plain_text", "text": truncate(f"{ini.reference}: {ini.title}", 3000)}}
    question = text_input("question", t("Your question to the owner"), multiline=True, max_length=2000)
    return modal(
        View.ASK,
        t("Ask about {reference}", reference=ini.reference),
        [intro, question],
        str(ini.id),
        # Translators: a form's submit button: send the question
        t("Ask"),
    )


def extend_deadline(ini, now) -> dict:
    """Asks the owner or sponsor for a new deadline."""
    picker = {
        "type": "input",
        "block_id": "deadline",
        "label": {"type": "plain_text", "text": t("New deadline")},
        "element": {
            "type": "datepicker",
            "action_id": "deadline",
            "initial_date": max(ini.deadline, now.date()).isoformat(),
        },
    }
    intro = {"type": "section", "text": {"type": "plain_text", "text": truncate(f"{ini.reference}: {ini.title}", 3000)}}
    return modal(
        # Translators: a form's submit button: extend the deadline
        View.EXTEND,
        t("Extend {reference}", reference=ini.reference),
        [intro, picker],
        str(ini.id),
        t("Extend"),
    )


FRESH = "fresh"


def resubmit(ini, now) -> dict:
    """Asks the owner of a rejected initiative what changed, the new deadline, and whether to start fresh."""
    intro = {
        "type": "section",
        "text": {
            "type": "plain_text",
            "text": truncate(
                f"{ini.reference}: {ini.title}\n"
                + t("A new round: whoever rejected or had not answered is asked again, with what changed."),
                3000,
            ),
        },
    }
    changed = text_input("changed", t("What changed?"), multiline=True, max_length=2000)
    deadline = {
        "type": "input",
        "block_id": "deadline",
        "optional": True,
        "label": {"type": "plain_text", "text": t("New deadline")},
        "hint": {"type": "plain_text", "text": t("Leave empty for the workspace's default.")},
        "element": {"type": "datepicker", "action_id": "deadline"},
    }
    option = {
        "text": {"type": "plain_text", "text": t("Start fresh: ask every approver again")},
        "description": {"type": "plain_text", "text": t("Otherwise the approvals given so far stand.")},
        "value": FRESH,
    }
    fresh = {
        "type": "input",
        "block_id": FRESH,
        "optional": True,
        "label": {"type": "plain_text", "text": t("Earlier approvals")},
        "element": {"type": "checkboxes", "action_id": FRESH, "options": [option]},
    }
    blocks = [intro, changed, deadline, fresh]
    # Translators: a form's submit button: a new round after a rejection
    return modal(View.RESUBMIT, t("Resubmit {reference}", reference=ini.reference), blocks, str(ini.id), t("Resubmit"))


def submitted_fresh(view: dict) -> bool:
    """Whether the resubmission form's "start fresh" box is ticked."""
    picked = view["state"]["values"].get(FRESH, {}).get(FRESH, {}).get("selected_options") or []
    return any(o.get("value") == FRESH for o in picked)


def submitted_date(view: dict, block_id: str) -> str | None:
    """The date picked in a datepicker of a submitted view (YYYY-MM-DD)."""
    return view["state"]["values"].get(block_id, {}).get(block_id, {}).get("selected_date")


def submitted_text(view: dict, block_id: str) -> str:
    """The value typed into a plain-text input of a submitted view."""
    value = view["state"]["values"].get(block_id, {}).get(block_id, {}).get("value")
    return (value or "").strip()


CALENDAR_FIELDS = {
    "working-hours": N_("Working hours"),
    "working-days": N_("Working days"),
    "holidays": N_("Public holidays"),
}


AWAY_UNTIL, DELEGATE = "away-until", "delegate"


def away_fields(until: date | None, delegate: str | None) -> list[dict]:
    """`/greenlight me away` as form fields: the last day away (empty: not away) and an optional delegate."""
    picker = {"type": "datepicker", "action_id": AWAY_UNTIL}
    if until:
        picker["initial_date"] = until.isoformat()
    person = {"type": "users_select", "action_id": DELEGATE}
    if delegate:
        person["initial_user"] = delegate
    return [
        {"type": "divider"},
        {
            "type": "input",
            "block_id": AWAY_UNTIL,
            "optional": True,
            "label": {"type": "plain_text", "text": t("Away until (the last day away)")},
            "hint": {"type": "plain_text", "text": t("No reminders until you are back. Empty: you are not away.")},
            "element": picker,
        },
        {
            "type": "input",
            "block_id": DELEGATE,
            "optional": True,
            "label": {"type": "plain_text", "text": t("Delegate while you are away")},
            "hint": {"type": "plain_text", "text": t("Gets your requests and reminders, and may answer for you.")},
            "element": person,
        },
    ]


def submitted_user(view: dict, block_id: str) -> str | None:
    """The person picked in a users_select of a submitted view."""
    return view["state"]["values"].get(block_id, {}).get(block_id, {}).get("selected_user")


def my_calendar(
    own: dict, workspace_values: dict[str, str], away: tuple[date | None, str | None] = (None, None)
) -> dict:
    """The App Home's form of `/greenlight me`: each calendar key as typed, empty to follow the workspace's (shown),
    the digest as a choice, and whether (until when, with which delegate) the person is away."""
    blocks = [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": t(
                    "Reminders reach you only in your working hours, on your business days. Leave a field empty to "
                    "follow the workspace. Holidays: a country (`FR`, `JP`) or region (`US-NY`, `DE-BY`), or `none`."
                ),
            },
        }
    ]
    for key, label in CALENDAR_FIELDS.items():
        field = text_input(
            key,
            t(label),
            optional=True,
            max_length=40,
            # `none` is a keyword, typed in English
            placeholder=truncate(t("the workspace's: {value}", value=workspace_values[key] or "none"), 150),
        )
        if own.get(key) is not None:
            field["element"]["initial_value"] = own[key] or "none"
        blocks.append(field)
    choices = [option(t(label), value) for value, label in DIGEST_CHOICES.items()]
    blocks.append(
        {
            "type": "input",
            "block_id": DIGEST,
            "label": {"type": "plain_text", "text": t("Greenlight's DMs")},
            "element": {
                "type": "static_select",
                "action_id": DIGEST,
                "options": choices,
                "initial_option": choices[0 if own.get(DIGEST) else 1],
            },
        }
    )
    languages = [option(t("Auto: my Slack language"), AUTO)] + [
        option(i18n.language_name(lang), lang) for lang in i18n.languages()
    ]
    blocks.append(
        {
            "type": "input",
            "block_id": LANGUAGE,
            "label": {"type": "plain_text", "text": t("Language")},
            "element": {
                "type": "static_select",
                "action_id": LANGUAGE,
                "options": languages,
                "initial_option": next(o for o in languages if o["value"] == (own.get(LANGUAGE) or AUTO)),
            },
        }
    )
    blocks += away_fields(*away)
    # Translators: a form's submit button: keep these settings
    return modal(View.MY_CALENDAR, t("My calendar"), blocks, "me", t("Save"))


DIGEST = "digest"
LANGUAGE, AUTO = "language", "auto"
DIGEST_CHOICES = {"on": N_("At most one a day (digest)"), "off": N_("As they come")}


def option(label: str, value: str) -> dict:
    return {"text": {"type": "plain_text", "text": truncate(label, 75)}, "value": value}


def submitted_choice(view: dict, block_id: str) -> str:
    """The value of the option chosen in a select of a submitted view ('' if none)."""
    chosen = view["state"]["values"].get(block_id, {}).get(block_id, {}).get("selected_option") or {}
    return chosen.get("value") or ""
