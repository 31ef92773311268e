"""Objections are kept (SPEC §2): a rejection after the sponsor chose to proceed is recorded with its reason, sent
to the sponsor and the owner, shown in `show` and listed in the report; the initiative keeps proceeding."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Event, Initiative
from tests.facts import bold, mentions, of_kind, references
from tests.slack_driver import text_of


def test_a_rejection_after_proceeding_is_an_objection_kept_and_told(slack, gl, fake, clock):
    slack.command("new Vendor switch approvers <@UALICE|a> <@UOTHER|o> sponsor <@USPONSOR|s> in 5 days")
    slack.command("proceed GL-1 Market window", user="USPONSOR")
    reply = slack.command("reject GL-1 Too risky & too early", user="UALICE")["text"]
    assert references(reply) == ["GL-1"] and set(mentions(reply)) == {"USPONSOR", "UOWNER"}
    with gl.transaction() as s:
        assert s.scalar(select(Initiative.status)) == "proceeding"
        assert s.scalar(select(Event.data).where(Event.kind == "objected")) == {"reason": "Too risky & too early"}
    for person in ("USPONSOR", "UOWNER"):
        [told] = of_kind(gl, slack.dms(person), "objection")
        assert mentions(text_of(told))[0] == "UALICE" and "Too risky &amp; too early" in text_of(told)
    shown = text_of(slack.command("show GL-1"))
    assert [line for line in shown.split("\n") if "UALICE" in mentions(line) and "objected" in bold(line)]

    slack.command("report GL-1 It went fine", user="UOWNER")
    [posted] = of_kind(gl, slack.posts("CGENERAL"), "report-note")
    assert "Objections" in bold(text_of(posted)) and "Too risky &amp; too early" in text_of(posted)
    assert "UALICE" in mentions(text_of(posted))
