"""The registration modal of `/greenlight new`: the form, and reading its answers back."""

from __future__ import annotations

from datetime import date

from bot.blocks.common import section
from bot.blocks.ids import View
from bot.blocks.modals import modal, submitted_text, text_input
from bot.parsing import Draft, Due

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
RULES = {"all": "Every approver must approve", "any": "One approval is enough"}


def _input(block_id: str, label: str, element: dict, *, optional: bool = False, hint: str | None = None) -> dict:
    block = {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "element": {**element, "action_id": block_id},
    }
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint}
    return block


def _option(value: str) -> dict:
    return {"text": {"type": "plain_text", "text": RULES[value]}, "value": value}


def template_select(names: list[str]) -> dict:
    """The workspace's templates: choosing one registers with its approvers, stages, sponsor and rule."""
    return _input(
        TEMPLATE,
        "Template",
        {
            "type": "static_select",
            "placeholder": {"type": "plain_text", "text": "Register with a saved template"},
            "options": [{"text": {"type": "plain_text", "text": name}, "value": name} for name in names[:100]],
        },
        optional=True,
        hint="Its approvers, stages, sponsor and rule are used: leave approvers and sponsor empty.",
    )


def registration(default_deadline: date, channel_id: str | None, templates: list[str] = ()) -> dict:
    """The form: title, details, a template (if the workspace has any) or approvers (up to three stages), sponsor,
    deadline, rule and channel."""
    templates = list(templates)
    channel = {
        "type": "conversations_select",
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
        "placeholder": {"type": "plain_text", "text": "Where to announce it"},
    }
    if channel_id and channel_id[:1] in ("C", "G"):
        channel["initial_conversation"] = channel_id
    blocks = [
        section(
            "Register a plan that needs sign-off. I'll ask the approvers, nudge them in their working hours "
            "and, at the deadline, ask the sponsor whether to proceed without the missing sign-offs."
        ),
        text_input(TITLE, "Title", max_length=150, placeholder="What needs approval?"),
        text_input(
            DETAILS,
            "Details",
            multiline=True,
            optional=True,
            max_length=2000,
            placeholder="Context the approvers need; a link to the plan",
        ),
        *([template_select(templates)] if templates else []),
        _input(
            APPROVERS,
            "Approvers",
            {
                "type": "multi_users_select",
                "max_selected_items": 10,
                "placeholder": {"type": "plain_text", "text": "Up to 10 people"},
            },
            optional=bool(templates),
            hint="Each must answer Approve or Reject. Not you, and not the sponsor.",
        ),
        *(
            _input(
                block_id,
                f"Then, stage {n}",
                {
                    "type": "multi_users_select",
                    "max_selected_items": 10,
                    "placeholder": {"type": "plain_text", "text": "Asked once the stage before is complete"},
                },
                optional=True,
                hint="Leave empty to ask everyone at once." if n == 2 else None,
            )
            for n, block_id in enumerate(LATER_STAGES, 2)
        ),
        _input(
            REQUIRED,
            "Required approvers",
            {"type": "multi_users_select", "placeholder": {"type": "plain_text", "text": "Among the approvers"}},
            optional=True,
            hint="The sponsor cannot proceed without their approval (a works council, say).",
        ),
        _input(
            SPONSOR,
            "Sponsor",
            {"type": "users_select", "placeholder": {"type": "plain_text", "text": "Who decides at the deadline"}},
            optional=bool(templates),
            hint="At the deadline, the sponsor decides whether to proceed without the missing sign-offs.",
        ),
        _input(
            DEADLINE,
            "Deadline",
            {"type": "datepicker", "initial_date": default_deadline.isoformat()},
            hint="Escalates to the sponsor at the end of this day.",
        ),
        _input(
            RULE,
            "Rule",
            {"type": "static_select", "options": [_option("all"), _option("any")], "initial_option": _option("all")},
            hint="With stages, the rule applies to each stage.",
        ),
        _input(
            CHANNEL, "Announce in", channel, optional=True, hint="Leave empty to use the workspace's summary channel."
        ),
    ]
    return modal(View.REGISTER, "New initiative", blocks, submit="Register")


def registered(confirmation: str) -> dict:
    """What the form turns into once the initiative is registered."""
    view = modal(View.REGISTER, "Registered", [section(confirmation)])
    del view["submit"]
    view["close"] = {"type": "plain_text", "text": "Done"}
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
