"""The registration modal of `/greenlight new`: the form, and reading its answers back."""

from __future__ import annotations

from datetime import date

from bot.blocks.common import section
from bot.blocks.ids import View
from bot.blocks.modals import modal, submitted_text, text_input
from bot.i18n import N_, t, tn
from bot.parsing import Draft, Due
from bot.text import truncate

# Block ids equal the field names of services.initiatives.validate, so its errors land on the right field.
TITLE, DETAILS, APPROVERS, SPONSOR, DEADLINE, RULE, CHANNEL = (
    "title",
    "details",
    "approvers",
    "sponsor",
    "deadline",
    "rule",
    "channel",
)
REQUIRED = "required"
TEMPLATE = "template"
LATER_STAGES = ("approvers-2", "approvers-3")  # asked one after the other, once the stage before is complete
RULES = {"all": N_("Every approver must approve"), "any": N_("One approval is enough")}


def _input(block_id: str, label: str, element: dict, *, optional: bool = False, hint: str | None = None) -> dict:
    block = {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": truncate(label, 2000)},
        "element": {**element, "action_id": block_id},
    }
    if hint:
        block["hint"] = {"type": "plain_text", "text": truncate(hint, 2000)}
    return block


def _option(value: str) -> dict:
    return {"text": {"type": "plain_text", "text": truncate(t(RULES[value]), 75)}, "value": value}


def _placeholder(text: str) -> dict:
    """A select's placeholder, cut to Slack's 150 characters."""
    return {"type": "plain_text", "text": truncate(text, 150)}


def template_select(names: list[str]) -> dict:
    """The workspace's templates: choosing one registers with its approvers, stages, sponsor and rule."""
    return _input(
        TEMPLATE,
        t("Template"),
        {
            "type": "static_select",
            "placeholder": _placeholder(t("Register with a saved template")),
            "options": [{"text": {"type": "plain_text", "text": name}, "value": name} for name in names[:100]],
        },
        optional=True,
        hint=t("Its approvers, stages, sponsor and rule are used: leave approvers and sponsor empty."),
    )


def registration(default_deadline: date, channel_id: str | None, templates: list[str] = ()) -> dict:
    """The form: title, details, a template (if the workspace has any) or approvers (up to three stages), sponsor,
    deadline, rule and channel."""
    templates = list(templates)
    channel = {
        "type": "conversations_select",
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
        "placeholder": _placeholder(t("Where to announce it")),
    }
    if channel_id and channel_id[:1] in ("C", "G"):
        channel["initial_conversation"] = channel_id
    blocks = [
        section(
            t(
                "Register a plan that needs sign-off. I'll ask the approvers, nudge them in their working hours "
                "and, at the deadline, ask the sponsor whether to proceed without the missing sign-offs."
            )
        ),
        text_input(TITLE, t("Title"), max_length=150, placeholder=t("What needs approval?")),
        text_input(
            DETAILS,
            t("Details"),
            multiline=True,
            optional=True,
            max_length=2000,
            placeholder=t("Context the approvers need; a link to the plan"),
        ),
        *([template_select(templates)] if templates else []),
        _input(
            APPROVERS,
            t("Approvers"),
            {
                "type": "multi_users_select",
                "max_selected_items": 10,
                "placeholder": _placeholder(tn("Up to {n} person", "Up to {n} people", 10)),
            },
            optional=bool(templates),
            hint=t("Each must answer Approve or Reject. Not you, and not the sponsor."),
        ),
        *(
            _input(
                block_id,
                t("Then, stage {number}", number=n),
                {
                    "type": "multi_users_select",
                    "max_selected_items": 10,
                    "placeholder": _placeholder(t("Asked once the stage before is complete")),
                },
                optional=True,
                hint=t("Leave empty to ask everyone at once.") if n == 2 else None,
            )
            for n, block_id in enumerate(LATER_STAGES, 2)
        ),
        _input(
            REQUIRED,
            t("Required approvers"),
            {"type": "multi_users_select", "placeholder": _placeholder(t("Among the approvers"))},
            optional=True,
            hint=t("The sponsor cannot proceed without their approval (a works council, say)."),
        ),
        _input(
            SPONSOR,
            t("Sponsor"),
            {"type": "users_select", "placeholder": _placeholder(t("Who decides at the deadline"))},
            optional=bool(templates),
            hint=t("At the deadline, the sponsor decides whether to proceed without the missing sign-offs."),
        ),
        _input(
            DEADLINE,
            t("Deadline"),
            {"type": "datepicker", "initial_date": default_deadline.isoformat()},
            hint=t("Escalates to the sponsor at the end of this day."),
        ),
        _input(
            RULE,
            t("Rule"),
            {"type": "static_select", "options": [_option("all"), _option("any")], "initial_option": _option("all")},
            hint=t("With stages, the rule applies to each stage."),
        ),
        _input(
            CHANNEL,
            t("Announce in"),
            channel,
            optional=True,
            hint=t("Leave empty to use the workspace's summary channel."),
        ),
    ]
    # Translators: the form's submit button: register the initiative
    return modal(View.REGISTER, t("New initiative"), blocks, submit=t("Register"))


def registered(confirmation: str) -> dict:
    """What the form turns into once the initiative is registered."""
    view = modal(View.REGISTER, t("Registered"), [section(confirmation)])
    del view["submit"]
    view["close"] = {"type": "plain_text", "text": truncate(t("Done"), 24)}
    return view


def submitted(view: dict) -> Draft:
    """The answers of a submitted form, as the draft they describe."""
    values = view["state"]["values"]

    def element(block_id: str) -> dict:
        return values.get(block_id, {}).get(block_id) or {}

    picked = element(DEADLINE).get("selected_date")
    rule = (element(RULE).get("selected_option") or {}).get("value") or "all"
    picked_stages = [element(block_id).get("selected_users") or [] for block_id in (APPROVERS, *LATER_STAGES)]
    stages = [picked for picked in picked_stages if picked]
    return Draft(
        title=submitted_text(view, TITLE),
        details=submitted_text(view, DETAILS),
        approver_ids=tuple(u for stage in stages for u in stage),
        stage_of=tuple(n for n, stage in enumerate(stages) for _ in stage) if len(stages) > 1 else (),
        required=tuple(element(REQUIRED).get("selected_users") or ()),
        sponsor_id=element(SPONSOR).get("selected_user"),
        due=Due(on=date.fromisoformat(picked)) if picked else None,
        rule=rule,
        channel_id=element(CHANNEL).get("selected_conversation"),
        template=(element(TEMPLATE).get("selected_option") or {}).get("value") or "",
    )
