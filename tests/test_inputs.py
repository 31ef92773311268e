"""NUL characters in what people type never reach the database (PostgreSQL refuses them)."""

from __future__ import annotations

import json

from sqlalchemy import select

from storage.models import Initiative
from tests.forms import answers, open_form


def test_nul_characters_are_removed_from_a_command(slack, gl):
    reply = slack.command("new Ti\x00tle approvers <@UALICE|alice> sponsor <@USPONSOR|sponsor>")
    assert reply["text"].startswith("Registered *GL-1* “Title”")
    with gl.reading() as s:
        assert s.scalar(select(Initiative.title)) == "Title"


def test_nul_characters_are_removed_from_a_modal_submission(slack, fake, gl):
    view = open_form(slack, fake)
    response = slack.submit(view, answers(title="Quarterly\x00 plan", details="12k\x00 budget"), user="UOWNER")
    assert json.loads(response.body)["response_action"] == "update"
    with gl.reading() as s:
        assert s.execute(select(Initiative.title, Initiative.details)).one() == ("Quarterly plan", "12k budget")
