"""The whole life of initiatives in one story, and every text of it that people read: for the tests that check
what language that text is in (tests/test_pseudo_locale.py, tests/test_languages.py)."""

from __future__ import annotations

import json
import re

from bot.blocks.ids import Action
from tests import forms
from tests.story import home_click, open_home, run_for, set_workspace

PEOPLE = ["UOWNER", "USPONSOR", "UALICE", "UBOB", "UCAROL", "UOTHER", "UADMIN"]
# What people typed, and names Slack gave: data, shown as typed.
TYPED = [
    "Vendor switch",
    "Office move",
    "Pricing page",
    "We compare three vendors.",
    "fine by me",
    "too expensive",
    "which budget line?",
    "line 4",
    "we go ahead",
    "it went well",
    "new vendor chosen",
    "not needed",
    "cheaper now",
    "Budget",
    "Hiring plan",
    "x" * 151,
    "quarterly",
    "Greenlight",
    # setting values, typed as they are shown
    "mon,tue,wed,thu,fri",
    "out of office, vacation, holiday, urlaub, abwesend, congé, 休暇",
]
WORDS_TYPED = re.compile(r"\*(?:on|off|mon|xx)\*")
TOKENS = re.compile(
    r"`[^`]*`|@\w+|<[@#!][^>]*>|<https?://[^>]*>|:[a-z0-9_+\-]+:|GL-\d+|#\w[\w-]*|\b[UCWS][A-Z0-9]{2,}\b|[A-Za-z]+/[A-Za-z_]+"
)
VISIBLE = {"text", "title", "placeholder", "hint", "alt_text", "fallback", "initial_comment", "label"}
# Slack API fields whose strings are not read by anyone (ids, values, URLs, settings of a block).
HIDDEN = {"type", "action_id", "block_id", "value", "url", "image_url", "callback_id", "private_metadata", "style"}


def visible_strings(node, key=None):
    """Every string a person reads in a Slack payload (message, view, reply)."""
    if isinstance(node, str):
        if key in VISIBLE:
            yield node
    elif isinstance(node, dict):
        for k, value in node.items():
            if k in HIDDEN and isinstance(value, str):
                continue
            if k in ("blocks", "view", "elements", "fields", "options", "option_groups", "accessory", "element"):
                yield from visible_strings(value, "text" if k == "fields" else None)
            elif k in ("confirm", "deny", "submit", "close", "initial_option"):
                yield from visible_strings(value, "text")
            else:
                yield from visible_strings(value, k)
    elif isinstance(node, list):
        for item in node:
            yield from visible_strings(item, key)


def payloads(fake):
    """Every payload the app sent to Slack that people read, with the method it went by."""
    read = ("chat.postMessage", "chat.update", "chat.postEphemeral", "views.publish", "views.open", "views.update")
    for call in fake.calls():
        if call.method in read or call.method == "response_url":
            yield call.method, call.args


def read_by_people(fake, answers: list[dict]):
    """(how it was sent, text) of every text people read: what reached Slack, and the answers to forms."""
    sent = [
        (method, {k: v for k, v in args.items() if k not in ("channel", "_name")}) for method, args in payloads(fake)
    ]
    for method, args in sent + [("ack", answer) for answer in answers]:
        for text in visible_strings(args):
            yield method, text


def without_data(text: str) -> str:
    """`text` without what people typed and Slack's tokens (mentions, links, references, emoji, code)."""
    for typed in TYPED:
        text = text.replace(typed, "")
    return TOKENS.sub("", WORDS_TYPED.sub("", text))


def setting_the_scene(gl, fake, language: str, locale: str) -> None:
    """The workspace of the story, in `language`; everyone's Slack says `locale`."""
    fake.add_user("UGHOST", name="ghost")  # leaves the company after being asked: their reminders cannot arrive
    fake.grant("usergroups:read")
    fake.add_group("SBOARD", ["USPONSOR"])  # an escalation contact with nobody in it but the silent sponsor
    set_workspace(
        gl, language=language, summary_channel="CGENERAL", escalate_to="SBOARD", sponsor_wait=1, report_after=1
    )
    for user in [*PEOPLE, "UGHOST"]:
        fake.users[user]["locale"] = locale


def play_the_story(slack, gl, fake, clock) -> list[dict]:
    """Help, refusals, registration by text and by form, lists, answers, questions, snoozes, delegates, reminders,
    digests, deadlines, escalation beyond the sponsor, proceed and report, objections, a rejection and its
    resubmission, withdrawal, settings, personal calendars, templates, stats, two Monday summaries and everyone's
    App Home. Returns the answers to the forms submitted (errors, or the view that replaced the form)."""
    answers = []
    for text in ("help", "frobnicate", "show GL-99", "extend GL-1 by 31.02.2026", "settings language xx"):
        slack.command(text)
    slack.command("me digest on", user="UALICE")
    slack.command("me away until 2026-12-09 delegate <@UOTHER|o>", user="UCAROL")
    slack.command("me", user="UCAROL")
    slack.command(
        "new Vendor switch approvers <@UALICE|a> <@UBOB|b> then <@UCAROL|c> required <@UALICE|a> "
        "sponsor <@USPONSOR|s> by 2026-12-11"
    )
    slack.command("new Office move approvers <@UOTHER|o> <@UALICE|a> sponsor <@USPONSOR|s> in 5 days in <#CPLANS|p>")
    slack.command("new Pricing page approvers <@UBOB|b> sponsor <@USPONSOR|s> rule any")
    slack.command("new Budget approvers <@UCAROL|c> <@UBOB|b> sponsor <@USPONSOR|s> by 2026-12-11")
    slack.command("new Hiring plan approvers <@UGHOST|g> sponsor <@USPONSOR|s>")
    fake.users["UGHOST"]["deleted"] = True
    for text in ("list", "list stalled", "mine", "show GL-1", "summary", "settings", "settings history", "stats"):
        slack.command(text)
    slack.command("template save quarterly approvers <@UALICE|a> sponsor <@USPONSOR|s>")
    slack.command("template list")
    home_click(slack, Action.NEW_INITIATIVE.value, "new", "UOWNER")
    form = fake.calls("views.open")[-1].args["view"]
    for typed in (forms.answers(title="x" * 151, approvers=("UOWNER",)), forms.answers(title="Office move")):
        answers.append(json.loads(slack.submit(form, typed, user="UOWNER").body or "{}"))
    slack.command("approve GL-1 fine by me", user="UALICE")
    slack.command("approve GL-1", user="UBOB")  # the second stage is asked: Carol's delegate answers for her
    slack.command("approve GL-1", user="UOTHER")
    slack.command("ask GL-2 which budget line?", user="UOTHER")
    slack.command("reject GL-3 too expensive", user="UBOB")
    slack.click(Action.RESUBMIT.value, "3", "UOWNER")
    slack.command("resubmit GL-3 cheaper now")
    slack.click(Action.ASK.value, "4", "UBOB")
    slack.click(Action.REJECT.value, "4", "UBOB")
    slack.click(Action.SNOOZE.value, "4", "UBOB")
    slack.command("show GL-4", user="UBOB")
    slack.command("extend GL-2 in 8 days")
    slack.command("me away until 2026-12-09", user="UBOB")  # nobody stands in: the owner is told
    slack.command("nudge GL-4")
    slack.command("show GL-1 history")
    slack.click(Action.HISTORY.value, "1:0", "UOWNER")
    for user in PEOPLE:
        open_home(slack, user)
    home_click(slack, Action.MY_CALENDAR.value, "me", "UALICE")
    form = fake.calls("views.open")[-1].args["view"]
    answers.append(json.loads(slack.submit(form, {"holidays": "XX"}, user="UALICE").body or "{}"))
    run_for(gl, fake, clock, days=7)  # reminders, digests, last calls, the deadline, the sponsor asked, the summary
    slack.command("answer GL-2 line 4")
    slack.click(Action.EXTEND.value, "4", "USPONSOR")
    run_for(gl, fake, clock, days=1)  # nobody in the escalation group could be asked
    slack.command("settings escalate-to <@UOTHER|o>", user="UADMIN")
    run_for(gl, fake, clock, days=0.5)  # the escalation contact is asked
    slack.command("mine", user="UOTHER")
    slack.command("proceed GL-4 we go ahead", user="USPONSOR")
    slack.command("approve GL-4", user="UCAROL")  # after the decision: ratified
    slack.command("reject GL-4 too expensive", user="UBOB")  # after the decision: an objection
    slack.command("withdraw GL-2 not needed")
    set_workspace(gl, summary_names=False)
    run_for(gl, fake, clock, days=6)  # the report is due, reminded; the next Monday's summary, naming nobody
    slack.command("report GL-4 it went well")
    for text in ("stats", "list", "mine"):
        slack.command(text)
    for user in PEOPLE:
        open_home(slack, user)
    return answers
