"""The registration form as a person fills it in: opened through `/greenlight new`, answered as Slack sends it."""

from __future__ import annotations

from tests.slack_driver import command_body


def open_form(slack, fake, user="UOWNER", channel="CGENERAL") -> dict:
    """Run `/greenlight new` and return the modal the app opened; nothing else is answered."""
    before = len(fake.calls("views.open"))
    slack.dispatch(command_body("new", user, channel, fake.response_url(f"new-{user}")))
    assert not [c for c in fake.calls("response_url") if c.args["_name"] == f"new-{user}"]
    opened = fake.calls("views.open")
    assert len(opened) == before + 1
    return opened[-1].args["view"]


def answers(
    title="Quarterly training plan",
    details="",
    approvers=("UALICE", "UOTHER"),
    sponsor="USPONSOR",
    deadline=None,
    rule="all",
    channel="CGENERAL",
    stages=(),
    required=(),
    template=None,
) -> dict:
    """The state Slack sends for the form, as if the person filled it in."""
    values = {
        "title": title,
        "details": details,
        "approvers": {"type": "multi_users_select", "selected_users": list(approvers)},
        "sponsor": {"type": "users_select", "selected_user": sponsor},
        "rule": {
            "type": "static_select",
            "selected_option": {"text": {"type": "plain_text", "text": rule}, "value": rule},
        },
        "channel": {"type": "conversations_select", "selected_conversation": channel},
    }
    for n, stage in enumerate(stages, 2):  # the later stages' pickers
        values[f"approvers-{n}"] = {"type": "multi_users_select", "selected_users": list(stage)}
    if required:
        values["required"] = {"type": "multi_users_select", "selected_users": list(required)}
    if template:
        values["template"] = {
            "type": "static_select",
            "selected_option": {"text": {"type": "plain_text", "text": template}, "value": template},
        }
    if deadline:
        values["deadline"] = {"type": "datepicker", "selected_date": deadline}
    return values
