"""Templates: saved by anyone in the workspace, used by anyone (`new <title> using <name>`, or the form's select),
deleted by their creator or an admin; bad input is refused with nothing written."""

from __future__ import annotations

import json

from sqlalchemy import select

from storage.models import Approval, Initiative, Template
from tests.facts import channels, mentions, of_kind, references
from tests.forms import answers, open_form
from tests.slack_driver import text_of
from tests.story import counts, status

HIRING = (
    "template save Hiring approvers <@UALICE|a> <@UBOB|b> rule any then <@UCAROL|c> required <@UCAROL|c> "
    "sponsor <@USPONSOR|s> in <#CPLANS|plans>"
)


def template_rows(gl):
    with gl.transaction() as s:
        return [(t.name, t.creator_id, t.draft["approver_ids"]) for t in s.scalars(select(Template))]


def test_a_template_is_saved_listed_and_used_by_someone_else(slack, gl, fake):
    reply = slack.command(HIRING, user="UOTHER")["text"]
    assert "`hiring`" in reply and mentions(reply)[:3] == ["UALICE", "UBOB", "UCAROL"]
    assert template_rows(gl) == [("hiring", "UOTHER", ["UALICE", "UBOB", "UCAROL"])]
    listing = slack.command("template list")["text"]
    [line] = [line for line in listing.split("\n") if "`hiring`" in line]
    assert mentions(line) == ["UALICE", "UBOB", "UCAROL", "USPONSOR", "UCAROL", "UOTHER"]
    assert channels(line) == ["CPLANS"] and "one approval is enough" in line

    # The owner registers with it: the template's stages, rule, required approver, sponsor and channel.
    reply = slack.command("new Hire a sales clerk using HIRING in 5 days")["text"]
    assert references(reply) == ["GL-1"] and "`hiring`" in reply
    with gl.transaction() as s:
        ini = s.scalar(select(Initiative))
        assert (ini.title, ini.sponsor_id, ini.channel_id, ini.stage_rules, ini.rule) == (
            "Hire a sales clerk",
            "USPONSOR",
            "CPLANS",
            "any,all",
            "any",
        )
        assert [(a.approver_id, a.stage, a.required) for a in ini.approvals] == [
            ("UALICE", 0, False),
            ("UBOB", 0, False),
            ("UCAROL", 1, True),
        ]
    [announcement] = slack.posts("CPLANS")
    assert "Hire a sales clerk" in text_of(announcement)
    assert len(of_kind(gl, slack.dms("UALICE"), "request")) == 1
    assert slack.dms("UCAROL") == []  # the second stage waits for the first

    # A channel named in the command comes before the template's.
    reply = slack.command("new Hire a trainer using hiring in <#CGENERAL|general>")["text"]
    assert references(reply) == ["GL-2"]
    assert channels(text_of(slack.posts("CGENERAL")[-1])) == [] and status(gl, 2) == "open"
    with gl.transaction() as s:
        assert s.scalar(select(Initiative.channel_id).where(Initiative.number == 2)) == "CGENERAL"


def test_the_form_offers_the_templates_and_registers_with_the_chosen_one(slack, gl, fake):
    view = open_form(slack, fake)
    assert "template" not in [b.get("block_id") for b in view["blocks"]]  # none saved yet
    slack.command(HIRING, user="UOTHER")
    view = open_form(slack, fake)
    [select_block] = [b for b in view["blocks"] if b.get("block_id") == "template"]
    assert [o["value"] for o in select_block["element"]["options"]] == ["hiring"]

    # Both a template and approvers: the field says which to choose; nothing is written.
    before = counts(gl)
    response = slack.submit(view, answers(template="hiring"), user="UOWNER")
    body = json.loads(response.body)
    assert body["response_action"] == "errors" and list(body["errors"]) == ["template"]
    assert counts(gl) == before

    response = slack.submit(view, answers(template="hiring", approvers=(), sponsor=None), user="UOWNER")
    assert json.loads(response.body)["response_action"] == "update"
    with gl.transaction() as s:
        assert [a.approver_id for a in s.scalars(select(Approval).order_by(Approval.position))] == [
            "UALICE",
            "UBOB",
            "UCAROL",
        ]
        # The form's channel (this one) is what the person chose to announce in.
        assert s.scalar(select(Initiative.channel_id)) == "CGENERAL"


def test_only_the_creator_or_an_admin_deletes_a_template(slack, gl, fake):
    slack.command(HIRING, user="UOTHER")
    before = counts(gl)
    refusal = slack.command("template delete hiring", user="UALICE")["text"]
    assert "Only" in refusal and mentions(refusal) == ["UOTHER"] and counts(gl) == before
    assert "Deleted" in slack.command("template delete hiring", user="UADMIN")["text"]
    assert template_rows(gl) == []
    slack.command(HIRING, user="UOTHER")
    assert "Deleted" in slack.command("template delete Hiring", user="UOTHER")["text"]
    assert template_rows(gl) == []


def test_bad_template_input_is_refused_and_nothing_is_written(slack, gl, fake):
    slack.command(HIRING, user="UOTHER")
    before = counts(gl), template_rows(gl)
    for text, says in [
        ("new Plan using onboarding", "There is no template `onboarding`"),
        ("template delete onboarding", "There is no template `onboarding`"),
        (HIRING, "already a template `hiring`"),
        ("template save other approvers <@UALICE|a> then sponsor <@USPONSOR|s>", "after `then`"),
        ("template save other approvers <@UALICE|a> <@UBOB|b> rule 3 sponsor <@USPONSOR|s>", "`rule 3`"),
        ("template save other approvers <@UALICE|a> required <@UBOB|b> sponsor <@USPONSOR|s>", "cannot be required"),
        ("template save other approvers <@UROBOT|r> sponsor <@USPONSOR|s>", "cannot approve"),
        ("template save other approvers <@UALICE|a> sponsor <@USPONSOR|s> in 5 days", "has no deadline"),
        ("template save two words approvers <@UALICE|a> sponsor <@USPONSOR|s>", "name the approvers"),
        ("template save", "Name the template"),
        ("template rename hiring", "`save`, `list` or `delete`"),
        ("new Plan using hiring soon", "not “soon”"),
        ("new using hiring", "title before `using`"),
    ]:
        reply = slack.command(text)["text"]
        assert says in reply, (text, reply)
    assert (counts(gl), template_rows(gl)) == before
