"""Nothing a person reads bypasses the catalog: the whole life of initiatives is played in a pseudo language whose
every translated string and date comes back between ⟦ ⟧, and every word that reached Slack (DMs, channel posts,
ephemeral replies, modals, App Homes, the summary, help and refusals) must sit inside those marks. What may stand
outside them is data: mentions, channel links, references, emoji, numbers, and what people typed."""

from __future__ import annotations

import json
import re
import sys

from bot import i18n, notices
from bot.blocks import common, digest, home, initiatives, lists, modals, register, settings, stats, summary
from bot.blocks.ids import Action
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
    "quarterly",
    "Greenlight",
    # setting values, typed as they are shown
    "mon,tue,wed,thu,fri",
    "out of office, vacation, holiday, urlaub, abwesend, congé, 休暇",
]
WORDS_TYPED = re.compile(r"\*(?:on|off|mon|xx)\*")
TOKENS = re.compile(
    r"`[^`]*`|<[@#!][^>]*>|<https?://[^>]*>|:[a-z0-9_+\-]+:|GL-\d+|#\w[\w-]*|\b[UCWS][A-Z0-9]{2,}\b|[A-Za-z]+/[A-Za-z_]+"
)
VISIBLE = {"text", "title", "placeholder", "hint", "alt_text", "fallback", "initial_comment", "label"}
# Slack API fields whose strings are not read by anyone (ids, values, URLs, settings of a block).
HIDDEN = {"type", "action_id", "block_id", "value", "url", "image_url", "callback_id", "private_metadata", "style"}


def outside_marks(text: str) -> str:
    """What is left of `text` once every ⟦…⟧ (nested ones too) is taken out."""
    out, depth = [], 0
    for ch in text:
        if ch == i18n.OPEN:
            depth += 1
        elif ch == i18n.CLOSE:
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


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


def unmarked(text: str) -> str:
    """The letters of `text` that are neither translated nor data; empty when all is well."""
    rest = outside_marks(text)
    for typed in TYPED:
        rest = rest.replace(typed, "")
    rest = TOKENS.sub("", WORDS_TYPED.sub("", rest))
    return "".join(re.findall(r"[^\W\d_]+", rest))


def payloads(fake):
    """Every payload the app sent to Slack that people read, with the method it went by."""
    read = ("chat.postMessage", "chat.update", "chat.postEphemeral", "views.publish", "views.open", "views.update")
    for call in fake.calls():
        if call.method in read or call.method == "response_url":
            yield call.method, call.args


class Builders:
    """Which message builders ran (bot/blocks, bot/notices): each must have been rendered by the story."""

    MODULES = (common, digest, home, initiatives, lists, modals, register, settings, stats, summary, notices)

    def __init__(self):
        self.codes = {
            f.__code__: f"{m.__name__}.{name}"
            for m in self.MODULES
            for name, f in vars(m).items()
            if callable(f) and hasattr(f, "__code__") and f.__module__ == m.__name__ and not name.startswith("_")
        }
        self.ran: set[str] = set()

    def __enter__(self):
        def profile(frame, event, arg):
            if event == "call" and frame.f_code in self.codes:
                self.ran.add(self.codes[frame.f_code])

        sys.setprofile(profile)
        return self

    def __exit__(self, *exc):
        sys.setprofile(None)


def test_every_word_people_read_comes_from_the_catalog(slack, gl, fake, clock):
    set_workspace(gl, language=i18n.PSEUDO, summary_channel="CGENERAL")
    for user in PEOPLE:  # a Slack language Greenlight does not speak: they read the workspace's
        fake.users[user]["locale"] = "xx-XX"
    with Builders() as builders:
        play_the_story(slack, gl, fake, clock)

    found = []
    for method, args in payloads(fake):
        for text in visible_strings({k: v for k, v in args.items() if k not in ("channel", "_name")}):
            if unmarked(text):
                found.append((method, unmarked(text), text))
    assert found == [], json.dumps(found[:20], ensure_ascii=False, indent=1)
    missing = sorted(set(builders.codes.values()) - builders.ran - NOT_RENDERED)
    assert missing == [], "\n".join(missing)


# Builders the story does not render, each for its reason.
NOT_RENDERED: set[str] = set()


def play_the_story(slack, gl, fake, clock):
    """Help, refusals, registration by text and by form, lists, answers, questions, snoozes, reminders, the
    deadline, escalation, proceed and report, a rejection and its resubmission, withdrawal, settings, personal
    calendars and absences, templates, stats, the Monday summary and everyone's App Home."""
    for text in ("help", "frobnicate", "show GL-99", "extend GL-1 by 31.02.2026", "settings language xx"):
        slack.command(text)
    slack.command(
        "new Vendor switch approvers <@UALICE|a> <@UBOB|b> then <@UCAROL|c> required <@UALICE|a> "
        "sponsor <@USPONSOR|s> by 2026-12-11"
    )
    slack.command("new Office move approvers <@UOTHER|o> sponsor <@USPONSOR|s> in 5 days in <#CPLANS|plans>")
    slack.command("new Pricing page approvers <@UBOB|b> sponsor <@USPONSOR|s> rule any")
    for text in ("list", "list stalled", "mine", "show GL-1", "summary", "settings", "settings history", "me", "stats"):
        slack.command(text)
    slack.command("template save quarterly approvers <@UALICE|a> sponsor <@USPONSOR|s>")
    slack.command("template list")
    slack.command("me away until 2026-12-08 delegate <@UOTHER|o>", user="UCAROL")
    slack.command("me", user="UCAROL")
    slack.command("me away off", user="UCAROL")
    slack.command("approve GL-1 fine by me", user="UALICE")
    slack.command("ask GL-1 which budget line?", user="UBOB")
    slack.command("answer GL-1 line 4")
    slack.command("reject GL-3 too expensive", user="UBOB")
    slack.command("resubmit GL-3 cheaper now")
    slack.click(Action.SNOOZE.value, "2", "UOTHER")
    slack.command("nudge GL-1")
    for user in PEOPLE:
        open_home(slack, user)
    home_click(slack, Action.MY_CALENDAR.value, "me", "UALICE")
    home_click(slack, Action.NEW_INITIATIVE.value, "new", "UOWNER")
    slack.click(Action.REJECT.value, "1", "UBOB")
    slack.click(Action.EXTEND.value, "1", "USPONSOR")
    run_for(gl, fake, clock, days=7)  # reminders, last calls, the deadline, the sponsor asked, the summary
    slack.command("mine", user="USPONSOR")
    slack.command("proceed GL-1 we go ahead", user="USPONSOR")
    run_for(gl, fake, clock, days=1)
    slack.command("report GL-1 it went well")
    slack.command("withdraw GL-2 not needed")
    run_for(gl, fake, clock, days=7)
    for user in PEOPLE:
        open_home(slack, user)
