"""Each person reads Greenlight in their language (SPEC §4, Language): a German approver and sponsor and an English
owner on one initiative each get their own words and their own date format, from the request to the report; the
channel reads the workspace's language; `/greenlight me language` overrides Slack's; German dates can be typed."""

from __future__ import annotations

import re

from sqlalchemy import select

from storage.models import Initiative, Person
from tests.facts import of_kind
from tests.slack_driver import buttons, text_of
from tests.story import home_click, homes, open_home, run_for, set_workspace
from tests.whole_story import play_the_story, read_by_people, setting_the_scene, without_data

GERMAN_DAY = re.compile(r"\b(?:Mo|Di|Mi|Do|Fr|Sa|So)\., \d{1,2}\. \w+\.? \d{4}\b")
ENGLISH_DAY = re.compile(r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2} \d{4}\b")
ENGLISH_WORDS = re.compile(r"\b(?:the|you|your|and|waiting|sign-off|deadline|approvers?)\b", re.IGNORECASE)


def german(text: str) -> bool:
    """German words and German dates, no English sentence."""
    return not ENGLISH_WORDS.search(re.sub(r"`[^`]*`|<[^>]*>|\*GL-\d+\* [^\n.]*|Vendor switch", "", text))


def english(text: str) -> bool:
    return bool(ENGLISH_WORDS.search(text)) and not GERMAN_DAY.search(text)


def test_a_german_approver_and_sponsor_and_an_english_owner_each_read_their_own_language(slack, gl, fake, clock):
    set_workspace(gl, language="de", summary_channel="CGENERAL")
    for person in ("UALICE", "USPONSOR"):
        fake.users[person]["locale"] = "de-DE"

    reply = slack.command(
        "new Vendor switch approvers <@UALICE|a> <@UOTHER|o> sponsor <@USPONSOR|s> by 2026-12-11", user="UOWNER"
    )["text"]
    assert english(reply) and "Fri 11 Dec 2026" in reply  # the owner's own language: Slack says en-US

    [request] = of_kind(gl, slack.dms("UALICE"), "request")
    assert german(text_of(request)) and "Fr., 11. Dez. 2026" in text_of(request)
    assert [label for label, _ in buttons(request)] == ["Freigeben", "Ablehnen", "Später", "Frage stellen"]
    [others] = of_kind(gl, slack.dms("UOTHER"), "request")
    assert english(text_of(others)) and buttons(others)[0] == ("Approve", "approve")
    [sponsor_told] = of_kind(gl, slack.dms("USPONSOR"), "sponsor")
    assert german(text_of(sponsor_told)) and GERMAN_DAY.search(text_of(sponsor_told))
    [announced] = of_kind(gl, slack.posts("CGENERAL"), "announce")
    assert german(text_of(announced))  # a channel reads the workspace's language

    run_for(gl, fake, clock, days=3)  # Thursday: the first reminders
    [nudge, *_] = of_kind(gl, slack.dms("UALICE"), "nudge")
    assert german(text_of(nudge)) and GERMAN_DAY.search(text_of(nudge))
    [others_nudge, *_] = of_kind(gl, slack.dms("UOTHER"), "nudge", "lastcall")
    assert english(text_of(others_nudge))

    slack.command("approve GL-1", user="UOTHER")
    run_for(gl, fake, clock, days=4)  # the deadline passes; the sponsor is asked on Monday
    [asked] = of_kind(gl, slack.dms("USPONSOR"), "escalation")
    assert german(text_of(asked)) and [label for label, _ in buttons(asked)][0] == "Weiter mit Bericht"
    [owner_told] = of_kind(gl, slack.dms("UOWNER"), "escalated-owner")
    assert english(text_of(owner_told))

    decided = slack.command("proceed GL-1", user="USPONSOR")["text"]
    assert german(decided)  # the sponsor's own reply
    [go] = of_kind(gl, slack.dms("UOWNER"), "proceed-owner")
    assert english(text_of(go)) and ENGLISH_DAY.search(text_of(go))
    [polite] = of_kind(gl, slack.dms("UALICE"), "proceed-approver")
    assert german(text_of(polite))

    slack.command("report GL-1 Vendor switch went well", user="UOWNER")
    [report] = of_kind(gl, slack.dms("USPONSOR"), "report")
    assert german(text_of(report))

    run_for(gl, fake, clock, days=7)  # the next Monday's summary, in the channel's language
    [summary, *_] = [p for p in slack.posts("CGENERAL") if "Wochen" in (p.get("text") or "")]
    assert german(text_of(summary)) and GERMAN_DAY.search(text_of(summary))


def test_me_language_overrides_slack_and_auto_goes_back(slack, gl, fake):
    reply = slack.command("me language de", user="UCAROL")["text"]
    assert german(reply)  # the confirmation already speaks the new language
    assert german(slack.command("help", user="UCAROL")["text"])
    assert english(slack.command("help", user="UBOB")["text"])
    assert "Englisch" in slack.command("help", user="UCAROL")["text"]  # keywords stay English, and help says so
    refused = slack.command("me language xx", user="UCAROL")["text"]
    assert "de" in refused and "en" in refused
    with gl.transaction() as s:
        assert s.get(Person, ("T1", "UCAROL")).language == "de"
    assert english(slack.command("me language auto", user="UCAROL")["text"])
    with gl.transaction() as s:
        assert s.get(Person, ("T1", "UCAROL")).language is None


def test_a_german_date_typed_in_the_text_form_registers_that_deadline(slack, gl):
    slack.command("new Budget approvers <@UALICE|a> sponsor <@USPONSOR|s> bis 30.04.2027")
    with gl.transaction() as s:
        assert str(s.scalar(select(Initiative.deadline))) == "2027-04-30"


def test_the_my_calendar_form_chooses_the_language(slack, gl, fake):
    open_home(slack, "UCAROL")
    home_click(slack, "my_calendar", "me", "UCAROL")
    form = fake.calls("views.open")[-1].args["view"]
    [select] = [b for b in form["blocks"] if b.get("block_id") == "language"]
    assert [o["value"] for o in select["element"]["options"]][:3] == ["auto", "en", "de"]
    assert "Deutsch" in [o["text"]["text"] for o in select["element"]["options"]]  # each language by its own name
    typed = {"working-days": "", "working-hours": "", "holidays": ""}
    slack.submit(form, {**typed, "language": {"type": "static_select", "selected_option": {"value": "de"}}}, "UCAROL")
    with gl.transaction() as s:
        assert s.get(Person, ("T1", "UCAROL")).language == "de"
    assert german(text_of(homes(fake, "UCAROL")[-1]))  # the Home, with the answer on top, now in German


def test_the_whole_story_in_german_has_no_english_sentence_and_fits_slacks_limits(slack, gl, fake, clock):
    """German is complete where it is read, and its longer words stay within every Block Kit limit (the fake
    Slack refuses what Slack refuses)."""
    setting_the_scene(gl, fake, "de", "de-DE")
    answers = play_the_story(slack, gl, fake, clock)
    english_ones = [(method, text) for method, text in read_by_people(fake, answers) if not german(without_data(text))]
    assert english_ones == []  # and, when the test ends, the fake checks every payload against Slack's limits


def test_each_member_of_an_approving_user_group_reads_their_own_language(slack, gl, fake, clock):
    fake.grant("usergroups:read")
    fake.add_user("UJONAS", name="jonas", locale="de-DE")
    fake.add_user("UEMMA", name="emma", locale="en-GB")
    fake.add_group("SHR", ["UJONAS", "UEMMA"])
    slack.command("new Budget approvers <!subteam^SHR|@hr> sponsor <@USPONSOR|s> by 2026-12-11")
    [jonas] = of_kind(gl, slack.dms("UJONAS"), "request")
    [emma] = of_kind(gl, slack.dms("UEMMA"), "request")
    assert german(text_of(jonas)) and buttons(jonas)[0] == ("Freigeben", "approve")
    assert english(text_of(emma)) and buttons(emma)[0] == ("Approve", "approve")
    run_for(gl, fake, clock, days=3)  # the group's reminder: each member in their language
    assert german(text_of(of_kind(gl, slack.dms("UJONAS"), "nudge")[0]))
    assert english(text_of(of_kind(gl, slack.dms("UEMMA"), "nudge")[0]))
