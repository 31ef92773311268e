"""Registering and deciding initiatives through the signed slash command, buttons and modals, as Slack sends them."""

import json
import threading

import pytest
from sqlalchemy import func, select

from bot.calendar import zone
from storage.models import Approval, Event, Initiative, OutboxMessage
from tests.facts import (
    bold,
    channels,
    days,
    history,
    lines_about,
    mentions,
    of_kind,
    references,
    sections,
    sent_as,
    status_label,
    without_history,
)
from tests.slack_driver import buttons, text_of
from tests.story import run_for

NEW = "new Training plan approvers <@UALICE|alice> <@UBOB|bob> sponsor <@USPONSOR|sam>"


# ---- helpers ------------------------------------------------------------------------------------


def counts(db) -> dict:
    """Rows of every table a registration or a decision writes."""
    with db.connect() as conn:
        return {
            m.__tablename__: conn.scalar(select(func.count()).select_from(m))
            for m in (Initiative, Approval, Event, OutboxMessage)
        }


def initiative(gl, number=1, team="T1") -> Initiative:
    with gl.transaction() as s:
        ini = s.scalar(select(Initiative).where(Initiative.team_id == team, Initiative.number == number))
        s.refresh(ini, ["approvals"])  # loaded before the session closes
        return ini


def events(gl, kind=None) -> list[Event]:
    with gl.transaction() as s:
        query = select(Event).order_by(Event.id)
        return list(s.scalars(query.where(Event.kind == kind) if kind else query))


def button_value(message: dict, action_id: str) -> str:
    return next(
        e["value"]
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e.get("action_id") == action_id
    )


def register(slack, text=NEW, **kw) -> dict:
    reply = slack.command(text, **kw)
    assert references(reply["text"])[:1] == [f"GL-{next_number(slack, kw.get('team', 'T1'))}"], reply
    return reply


def next_number(slack, team) -> int:
    """The number of the initiative the workspace registered last."""
    with slack.gl.transaction() as s:
        return s.scalar(select(func.max(Initiative.number)).where(Initiative.team_id == team))


def mrkdwn_texts(node) -> list[str]:
    """Every text Slack would parse as mrkdwn (fallback text, mrkdwn sections), not plain_text labels."""
    found = []
    if isinstance(node, dict):
        if isinstance(node.get("text"), str) and node.get("type") != "plain_text":
            found.append(node["text"])
        for key, value in node.items():
            if isinstance(value, (dict, list)) and key not in ("title", "submit", "close", "label", "placeholder"):
                found += mrkdwn_texts(value)
    elif isinstance(node, list):
        for item in node:
            found += mrkdwn_texts(item)
    return found


def everything_sent(fake) -> list[str]:
    """The mrkdwn of every message, update, reply and view that reached Slack."""
    texts = []
    for call in fake.calls():
        if call.method in ("chat.postMessage", "chat.update", "chat.postEphemeral", "response_url"):
            texts += mrkdwn_texts({k: v for k, v in call.args.items() if k in ("text", "blocks")})
        elif call.method.startswith("views."):
            texts += mrkdwn_texts(call.args.get("view", {}).get("blocks", []))
    return texts


# ---- registration -------------------------------------------------------------------------------


def test_registration_confirms_announces_and_asks_each_approver(slack, fake, gl, clock):
    reply = register(slack, NEW + " in 3 days")
    assert reply["response_type"] == "ephemeral"
    assert "*GL-1*" in reply["text"] and "Training plan" in reply["text"]
    assert "<#CGENERAL>" in reply["text"] and "<@UALICE>" in reply["text"] and "<@UBOB>" in reply["text"]
    assert "Thu 10 Dec 2026" in reply["text"]  # 3 business days after Monday 7 December

    (announcement,) = slack.posts("CGENERAL")
    text = text_of(announcement)
    assert "GL-1" in bold(text) and "Training plan" in text
    assert mentions(text) == ["UOWNER", "UALICE", "UBOB", "USPONSOR"]  # owner, approvers, then the sponsor
    assert days(text) == ["Thu 10 Dec 2026"]  # the deadline

    assert of_kind(gl, slack.dms("UALICE"), "request") and not slack.dms("UBOB")  # Bob in Los Angeles is asleep
    sent = run_for(gl, fake, clock, days=0.5)
    assert [at.astimezone(zone("America/Los_Angeles")).strftime("%a %H:%M") for at, ch, _ in sent if ch == "UBOB"] == [
        "Mon 09:00"
    ]  # quiet hours: his request arrives when his working day starts
    for approver in ("UALICE", "UBOB"):
        (dm,) = of_kind(gl, slack.dms(approver), "request")
        assert mentions(text_of(dm))[0] == "UOWNER" and "GL-1" in bold(text_of(dm)) and "Training plan" in text_of(dm)
        assert "USPONSOR" in mentions(text_of(dm)) and "Thu 10 Dec 2026" in days(text_of(dm))  # who decides, and when
        assert buttons(dm) == [
            ("Approve", "approve"),
            ("Reject", "reject"),
            ("Snooze", "snooze"),
            ("Ask a question", "ask_question"),
        ]
    # The sponsor is told she is the sponsor (tests/test_decisions.py); the owner has the ephemeral confirmation.
    assert [sent_as(gl, m) for m in slack.dms("USPONSOR")] == [{"sponsor"}] and slack.dms("UOWNER") == []

    ini = initiative(gl)
    assert (ini.reference, ini.status, ini.rule, ini.owner_id, ini.sponsor_id, ini.channel_id) == (
        "GL-1",
        "open",
        "all",
        "UOWNER",
        "USPONSOR",
        "CGENERAL",
    )
    assert [(a.approver_id, a.decision) for a in ini.approvals] == [("UALICE", "pending"), ("UBOB", "pending")]
    assert [e.kind for e in events(gl)] == ["registered"]
    with gl.transaction() as s:
        assert set(s.scalars(select(OutboxMessage.status))) == {"sent"}


def test_registration_options_rule_deadline_and_channel(slack, fake, gl):
    register(slack, NEW + " by 2027-01-15 rule any in <#CSALES|sales>", channel="CGENERAL")
    assert slack.posts("CGENERAL") == [] and len(slack.posts("CSALES")) == 1
    assert "one approval is enough" in text_of(slack.posts("CSALES")[0])
    ini = initiative(gl)
    assert (ini.rule, ini.channel_id, ini.deadline.isoformat()) == ("any", "CSALES", "2027-01-15")


def test_registration_from_a_dm_with_a_channel(slack, fake, gl):
    register(slack, NEW + " in <#CSALES|sales>", channel="DUOWNER")
    assert len(slack.posts("CSALES")) == 1


def test_deadline_typed_as_german_speakers_write_it(slack, gl):
    """`bis DD.MM.YYYY` stands where `by YYYY-MM-DD` does (issue #14); a date without its year is the next one
    by the workspace's clock (Monday 7 December 2026 here), not this machine's."""
    reply = register(slack, "new Budget approvers <@UALICE|alice> sponsor <@USPONSOR|sam> bis 30.04.2027")
    assert "Deadline: Fri 30 Apr 2027" in reply["text"]
    assert initiative(gl).deadline.isoformat() == "2027-04-30"
    reply = register(slack, "new Offsite approvers <@UALICE|alice> sponsor <@USPONSOR|sam> bis 3.12. rule any")
    assert "Deadline: Fri 3 Dec 2027" in reply["text"]  # 3 December 2026 has passed
    assert initiative(gl, 2).deadline.isoformat() == "2027-12-03"
    reply = register(slack, "new Party approvers <@UALICE|alice> sponsor <@USPONSOR|sam> in 3 Werktagen")
    assert "Deadline: Thu 10 Dec 2026" in reply["text"]  # 3 business days, as `in 3 days`


def test_an_impossible_german_date_is_refused_and_nothing_written(slack, db):
    before = counts(db)
    reply = slack.command("new Budget approvers <@UALICE|alice> sponsor <@USPONSOR|sam> bis 31.02.2027")
    assert "“31.02.2027” is not a date" in reply["text"]
    assert counts(db) == before


def test_default_deadline_is_ten_business_days(slack, gl):
    register(slack)
    assert initiative(gl).deadline.isoformat() == "2026-12-21"


# ---- bad input: a clear message, nothing written -------------------------------------------------

ELEVEN = " ".join(f"<@UX{i}>" for i in range(11))


@pytest.mark.parametrize(
    "text, channel, says",
    [
        ("new Training plan sponsor <@USPONSOR>", "CGENERAL", "Name the approvers with `approvers @name`"),
        ("new Training plan approvers sponsor <@USPONSOR>", "CGENERAL", "Name at least one approver"),
        (NEW + " by 2026-12-01", "CGENERAL", "The deadline Tue 1 Dec 2026 is not in the future. Pick a later date."),
        (NEW + " by 2026-12-07", "CGENERAL", "The deadline Mon 7 Dec 2026 is not in the future."),
        (
            NEW + " by 9999-12-31",
            "CGENERAL",
            "The deadline Fri 31 Dec 9999 is more than 10 years away. Pick a nearer date.",
        ),
        (NEW + " in 9999 days", "CGENERAL", "is more than 10 years away"),
        (
            "new " + "x" * 151 + " approvers <@UALICE> sponsor <@USPONSOR>",
            "CGENERAL",
            "The title is 151 characters; keep it to 150.",
        ),
        ("new Plan approvers <@UROBOT> sponsor <@USPONSOR>", "CGENERAL", "<@UROBOT> cannot approve: bots, deactivated"),
        ("new Plan approvers <@UGONE> sponsor <@USPONSOR>", "CGENERAL", "<@UGONE> cannot approve: bots, deactivated"),
        ("new Plan approvers <@UNOBODY> sponsor <@USPONSOR>", "CGENERAL", "<@UNOBODY> cannot approve"),
        (
            "new Plan approvers <@UALICE> <@UOWNER> sponsor <@USPONSOR>",
            "CGENERAL",
            "You own this initiative, so you cannot also approve it",
        ),
        (
            "new Plan approvers <@UALICE> <@USPONSOR> sponsor <@USPONSOR>",
            "CGENERAL",
            "<@USPONSOR> is the sponsor and cannot also be an approver",
        ),
        (
            "new Plan approvers <@UALICE> <@UALICE|alice> sponsor <@USPONSOR>",
            "CGENERAL",
            "Each approver can be named only once",
        ),
        (f"new Plan approvers {ELEVEN} sponsor <@USPONSOR>", "CGENERAL", "At most 10 approvers; you named 11"),
        ("new Plan approvers <@UALICE> sponsor <@UROBOT>", "CGENERAL", "<@UROBOT> cannot sponsor"),
        ("new Plan approvers <@UALICE> sponsor <@UGONE>", "CGENERAL", "<@UGONE> cannot sponsor"),
        (NEW, "DUOWNER", "I don't know where to announce it: register it in a channel, add `in #channel`"),
        ("frobnicate GL-1", "CGENERAL", "I don't know `frobnicate`. Try `/greenlight help`"),
        ("show GL-99", "CGENERAL", "There is no GL-99 in this workspace. `/greenlight list` shows the open ones."),
        ("approve GL-99", "CGENERAL", "There is no GL-99 in this workspace"),
    ],
)
def test_bad_input_gets_a_clear_message_and_writes_nothing(slack, fake, db, text, channel, says):
    for i in range(11):
        fake.add_user(f"UX{i}")
    before = counts(db)
    reply = slack.command(text, channel=channel)
    assert says in reply["text"], reply["text"]
    assert reply["response_type"] == "ephemeral"
    assert counts(db) == before
    assert fake.calls("chat.postMessage") == []


def test_every_problem_is_listed_at_once(slack, db):
    reply = slack.command("new " + "y" * 200 + " approvers <@UROBOT> sponsor <@UGONE> by 2020-01-01", channel="DUOWNER")
    problems = reply["text"].split("\n• ")[1:]  # one bullet per problem
    assert len(problems) == 5, reply["text"]
    assert "200" in problems[0] and "150" in problems[0]  # the title's length, and the limit
    assert mentions(problems[1]) == ["UROBOT"] and mentions(problems[2]) == ["UGONE"]  # the approver, the sponsor
    assert days(problems[3]) == ["Wed 1 Jan 2020"]  # the deadline
    assert "`in #channel`" in problems[4]  # how to say where to announce it
    assert counts(db) == dict.fromkeys(counts(db), 0)


def test_help(slack):
    reply = slack.command("help")
    # Placeholders are escaped, so Slack shows "<title>" rather than reading it as a broken link (issue item 9).
    assert (
        "/greenlight new &lt;title&gt; approvers @a" in reply["text"]
        and "/greenlight reject GL-12 &lt;reason&gt;" in reply["text"]
    )


# ---- user text is shown as text -----------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        # what Slack sends when the person used real mentions, links and an ampersand
        "Plan <!channel> for <@U123|boss> see <https://evil.example|click> &amp; more",
        # what Slack sends when the person typed the markup literally
        "Plan &lt;!channel&gt; for &lt;@U123&gt; see &lt;https://evil.example|click&gt; &amp; more",
    ],
)
def test_user_text_cannot_ping_mention_or_link(slack, fake, title):
    register(slack, f"new {title} approvers <@UALICE> sponsor <@USPONSOR>")
    slack.command("approve GL-1 ok &lt;!here&gt; <!everyone> &lt;@UOWNER&gt; &lt;http://x.example|y&gt;", user="UALICE")
    for command in ("show GL-1", "list", "mine"):
        slack.command(command)
    sent = everything_sent(fake)
    assert len(sent) > 10 and any("Plan" in t for t in sent)
    for text in sent:
        assert "<!" not in text, text  # no @channel, @here, @everyone, no date or subteam tokens
        assert "<@U123" not in text, text  # no fake mention
        assert "<http" not in text and "|click>" not in text and "|y>" not in text, text  # no link
    # the approver's literal "<@UOWNER>" stays text next to the owner's real mention
    (note,) = [t for t in mrkdwn_texts(slack.dms("UOWNER")[-1]) if "ok " in t]
    assert "ok &lt;!here&gt; @everyone &lt;@UOWNER&gt; &lt;http://x.example|y&gt;" in note
    assert "&amp; more" in text_of(slack.posts("CGENERAL")[0])


def test_stored_title_is_what_the_person_typed(slack, gl):
    register(slack, "new Q1 &amp; Q2 &lt;draft&gt; approvers <@UALICE> sponsor <@USPONSOR>")
    assert initiative(gl).title == "Q1 & Q2 <draft>"


# ---- workspaces ---------------------------------------------------------------------------------


def test_numbering_and_data_are_per_workspace(slack, fake, gl, db):
    register(slack)
    register(slack, "new Second approvers <@UALICE> sponsor <@USPONSOR>")
    ini = initiative(gl, 1)

    # T2 cannot see or act on T1's GL-1
    shown = slack.command("show GL-1", team="T2")["text"]
    assert references(shown) == ["GL-1"] and "Training plan" not in shown  # named, not shown
    before = counts(db)
    assert references(slack.command("approve GL-2", user="UALICE", team="T2")["text"]) == ["GL-2"]
    assert counts(db) == before
    before = counts(db)
    reply = slack.click("approve", str(ini.id), "UALICE", team="T2")
    assert "does not exist in this workspace" in reply["text"]
    assert counts(db) == before and initiative(gl, 1).approvals[0].decision == "pending"
    assert references(text_of(slack.command("list", team="T2"))) == []

    # T2 numbers its own initiatives from GL-1
    reply = register(slack, "new Other team plan approvers <@UALICE> sponsor <@USPONSOR>", team="T2")
    assert "*GL-1*" in reply["text"]
    assert initiative(gl, 1, team="T2").title == "Other team plan"
    assert initiative(gl, 1, team="T1").title == "Training plan"
    t1_list = text_of(slack.command("list"))
    assert "Training plan" in t1_list and "Second" in t1_list and "Other team plan" not in t1_list
    t2_list = text_of(slack.command("list", team="T2"))
    assert "Other team plan" in t2_list and "Training plan" not in t2_list


# ---- approving ----------------------------------------------------------------------------------


def test_approve_by_button_and_by_command_rule_all(slack, fake, gl):
    register(slack)
    (request,) = slack.dms("UALICE")
    reply = slack.click("approve", button_value(request, "approve"), "UALICE")
    assert references(reply["text"]) == ["GL-1"] and [a.decision for a in initiative(gl).approvals] == [
        "approved",
        "pending",
    ]
    assert initiative(gl).status == "open"
    (told,) = of_kind(gl, slack.dms("UOWNER"), "approval")
    assert mentions(text_of(told)) == ["UALICE"] and "GL-1" in bold(text_of(told))

    reply = slack.command("approve gl-1 Fine by me", user="UBOB")
    assert references(reply["text"]) == ["GL-1"] and status_label("approved") in reply["text"]
    ini = initiative(gl)
    assert ini.status == "approved" and ini.closed_at is not None
    assert [(a.decision, a.comment) for a in ini.approvals] == [("approved", None), ("approved", "Fine by me")]
    owner_dm = text_of(slack.dms("UOWNER")[-1])
    assert status_label("approved") in bold(owner_dm) and mentions(owner_dm) == ["UBOB"] and "Fine by me" in owner_dm
    assert of_kind(gl, slack.dms("USPONSOR")[-1:], "approved") and status_label("approved") in bold(
        text_of(slack.dms("USPONSOR")[-1])
    )
    assert of_kind(gl, slack.posts("CGENERAL")[-1:], "approved-note")
    assert status_label("approved") in bold(text_of(slack.posts("CGENERAL")[-1]))
    assert [e.kind for e in events(gl)] == ["registered", "approved", "approved", "status_approved"]


def test_approve_rule_any_closes_and_releases_the_others(slack, fake, gl, db):
    register(slack, NEW + " rule any")
    reply = slack.command("approve 1", user="UBOB")
    assert references(reply["text"]) == ["GL-1"] and status_label("approved") in reply["text"]
    assert initiative(gl).status == "approved"
    assert of_kind(gl, slack.dms("UALICE")[-1:], "no-answer-needed")
    # Alice's request lost its buttons; she can no longer answer
    update = next(c.args for c in fake.calls("chat.update") if c.args["channel"] == "DUALICE")
    assert of_kind(gl, [update], "request-settled") and buttons(update) == []
    before = counts(db)
    reply = slack.command("approve 1", user="UALICE")
    assert references(reply["text"]) == ["GL-1"] and status_label("approved") in reply["text"] and counts(db) == before


def test_double_click_on_approve_counts_once(slack, fake, gl, db):
    register(slack)
    value = button_value(slack.dms("UALICE")[0], "approve")
    slack.click("approve", value, "UALICE")
    before, owner_dms = counts(db), len(slack.dms("UOWNER"))
    reply = slack.click("approve", value, "UALICE")
    assert references(reply["text"]) == ["GL-1"] and days(reply["text"]) == ["Mon 7 Dec 2026"]  # approved that day
    assert counts(db) == before and len(slack.dms("UOWNER")) == owner_dms
    assert len(events(gl, "approved")) == 1


def test_simultaneous_clicks_count_once_and_the_last_approval_closes(slack, gl):
    """Slack sends a double click as two requests at once; two approvers may also answer at the same moment."""
    for n in range(1, 6):
        register(slack, f"new Plan {n} approvers <@UALICE> <@UBOB> sponsor <@USPONSOR>")
        ini_id = initiative(gl, n).id
        start = threading.Barrier(3)

        def click(user, start=start, ini_id=ini_id):
            start.wait()
            slack.click("approve", str(ini_id), user)

        threads = [threading.Thread(target=click, args=(u,)) for u in ("UALICE", "UBOB", "UALICE")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        ini = initiative(gl, n)
        assert ini.status == "approved", f"GL-{n} stayed {ini.status} with every approval in"
        assert len([e for e in events(gl, "approved") if e.initiative_id == ini_id]) == 2


def test_the_request_dm_is_updated_after_the_decision(slack, fake, gl):
    register(slack)
    request = slack.dms("UALICE")[0]
    (request_call,) = [c for c in fake.calls("chat.postMessage") if c.args["channel"] == "UALICE"]
    slack.click("approve", button_value(request, "approve"), "UALICE")
    (update,) = fake.calls("chat.update")
    assert update.args["channel"] == "DUALICE"
    with gl.transaction() as s:
        ts = s.scalar(
            select(OutboxMessage.ts).where(OutboxMessage.key.like("request:%"), OutboxMessage.recipient == "UALICE")
        )
    assert update.args["ts"] == ts
    assert of_kind(gl, [update.args], "request-settled") and buttons(update.args) == []
    with gl.transaction() as s:  # the settled request says what she answered
        assert s.scalar(select(OutboxMessage.key).where(OutboxMessage.method == "chat.update")).endswith(":approved")
    assert update.at > request_call.at


def test_only_approvers_can_approve_or_reject(slack, db):
    register(slack)
    before = counts(db)
    for user in ("UOTHER", "UOWNER", "USPONSOR"):
        reply = slack.command("approve GL-1", user=user)
        assert references(reply["text"]) == ["GL-1"] and mentions(reply["text"]) == ["UALICE", "UBOB"]  # who may
        rejected = slack.command("reject GL-1 no", user=user)["text"]
        assert references(rejected) == ["GL-1"] and mentions(rejected) == ["UALICE", "UBOB"]
    assert counts(db) == before


# ---- rejecting ----------------------------------------------------------------------------------


def test_reject_by_command(slack, fake, gl):
    register(slack)
    reply = slack.command("reject GL-1 The budget is &amp; was gone", user="UBOB")
    assert references(reply["text"]) == ["GL-1"]
    ini = initiative(gl)
    assert ini.status == "rejected" and ini.approvals[1].comment == "The budget is & was gone"
    for person in ("UOWNER", "USPONSOR"):
        (told,) = of_kind(gl, slack.dms(person), "rejected")
        text = text_of(told)
        assert mentions(text) == ["UBOB"] and {"GL-1", status_label("rejected")} <= set(bold(text))
        assert "The budget is &amp; was gone" in text
    assert status_label("rejected") in bold(text_of(slack.posts("CGENERAL")[-1]))
    assert of_kind(gl, slack.dms("UALICE")[-1:], "no-answer-needed")
    assert "Please give a reason" in slack.command("reject GL-1", user="UALICE")["text"]


def test_reject_by_button_asks_for_a_reason_in_a_modal(slack, fake, gl, db):
    register(slack)
    value = button_value(slack.dms("UALICE")[0], "reject")
    assert slack.click("reject", value, "UALICE") is None
    (opened,) = fake.calls("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == "reject_reason" and references(view["title"]["text"]) == ["GL-1"]
    assert opened.args["trigger_id"].startswith("trigger-")

    before = counts(db)
    response = slack.submit(view, {"reason": "   "}, "UALICE")
    body = json.loads(response.body)
    assert body["response_action"] == "errors" and body["errors"]["reason"]  # shown on the field
    assert counts(db) == before and initiative(gl).status == "open"

    response = slack.submit(view, {"reason": "Not this quarter"}, "UALICE")
    assert response.status == 200 and not response.body
    ini = initiative(gl)
    assert ini.status == "rejected" and ini.approvals[0].comment == "Not this quarter"
    assert "Not this quarter" in text_of(slack.dms("UOWNER")[-1])
    update = next(c.args for c in fake.calls("chat.update") if c.args["channel"] == "DUALICE")
    assert of_kind(gl, [update], "request-settled") and buttons(update) == []


def test_reject_button_of_someone_else_opens_no_modal(slack, fake, db):
    register(slack)
    value = button_value(slack.dms("UALICE")[0], "reject")
    reply = slack.click("reject", value, "UOTHER")
    assert references(reply["text"]) == ["GL-1"] and mentions(reply["text"]) == ["UALICE", "UBOB"]  # who may
    assert fake.calls("views.open") == []


# ---- withdrawing --------------------------------------------------------------------------------


@pytest.mark.parametrize("who, told", [("UOWNER", "USPONSOR"), ("USPONSOR", "UOWNER")])
def test_withdraw_by_owner_or_sponsor(slack, fake, gl, clock, who, told):
    register(slack)
    reply = slack.command("withdraw GL-1 merged with another plan", user=who)
    assert references(reply["text"]) == ["GL-1"] and status_label("withdrawn") in reply["text"]
    assert initiative(gl).status == "withdrawn"
    (notice,) = of_kind(gl, slack.dms(told), "withdrawn")
    assert mentions(text_of(notice)) == [who] and "GL-1" in bold(text_of(notice))
    assert "merged with another plan" in text_of(slack.posts("CGENERAL")[-1])
    run_for(gl, fake, clock, days=0.5)  # Bob in Los Angeles hears it in his working hours
    for approver in ("UALICE", "UBOB"):
        assert of_kind(gl, slack.dms(approver)[-1:], "no-answer-needed")
    late = slack.command("approve GL-1", user="UALICE")["text"]
    assert references(late) == ["GL-1"] and status_label("withdrawn") in late


@pytest.mark.parametrize("who", ["UOTHER", "UALICE"])
def test_withdraw_refused_for_others(slack, db, gl, who):
    register(slack)
    before = counts(db)
    reply = slack.command("withdraw GL-1", user=who)
    assert references(reply["text"]) == ["GL-1"] and mentions(reply["text"]) == ["UOWNER", "USPONSOR"]  # who may
    assert counts(db) == before and initiative(gl).status == "open"


# ---- list, mine, show ---------------------------------------------------------------------------


def test_list_mine_and_show(slack, fake, gl, clock):
    register(slack)
    clock.advance(days=1)
    register(slack, "new Budget 2027 approvers <@UCAROL> sponsor <@UALICE>", user="UBOB")
    slack.command("approve GL-1 go", user="UALICE")
    clock.advance(days=3)  # Friday 11 December, 10:00 Berlin

    listing = text_of(slack.command("list"))
    assert references(listing) == ["GL-1", "GL-2"]  # longest wait first
    assert [(mentions(line), "4 business days" in line) for line in lines_about(listing, "GL-1")] == [(["UBOB"], True)]
    assert [(mentions(line), "3 business days" in line) for line in lines_about(listing, "GL-2")] == [
        (["UCAROL"], True)
    ]

    waiting, owned, sponsored = sections(slack.command("mine", user="UALICE"))
    assert references(waiting) == []  # Alice already approved GL-1
    assert references(owned) == []
    assert "*GL-2* Budget 2027" in sponsored
    waiting, owned, sponsored = sections(slack.command("mine", user="UBOB"))
    [line] = lines_about(waiting, "GL-1")
    assert "Training plan" in line and "4 business days" in bold(line)
    assert "*GL-2* Budget 2027" in owned

    show = slack.command("show GL-1")
    text = text_of(show)
    assert status_label("open") in bold(text)
    [people] = [line for line in text.split("\n") if channels(line)]  # owner, sponsor, channel
    assert (mentions(people), channels(people)) == (["UOWNER", "USPONSOR"], ["CGENERAL"])
    assert "Mon 21 Dec 2026" in days(text) and initiative(gl).rule == "all"  # the deadline and the rule
    [alice] = lines_about(without_history(text), "UALICE")  # her answer
    assert "1 business day" in alice and "“go”" in alice
    [bob] = lines_about(without_history(text), "UBOB")
    assert "4 business days" in bold(bob)
    assert history(text) == [("Mon 7 Dec 2026 10:00", ["UOWNER"]), ("Tue 8 Dec 2026 10:00", ["UALICE"])]
    assert days(text.split("\n")[-2]) == ["Mon 7 Dec 2026", "Mon 21 Dec 2026"] and "“go”" in text.split("\n")[-1]


def test_show_counts_business_days_in_each_approvers_zone(slack, clock):
    register(slack, "new Plan approvers <@UBOB> <@UCAROL> sponsor <@USPONSOR>")
    clock.advance(days=7)  # Monday 14 December 10:00 Berlin = 01:00 Los Angeles, 18:00 Tokyo
    text = text_of(slack.command("show GL-1"))
    # Bob (LA) was asked Monday 01:00 his time: Mon..Fri whole + 1h of today; Carol (Tokyo) Monday 18:00: 5 days
    assert waits(text) == {"UBOB": ["5 business days"], "UCAROL": ["5 business days"]}
    clock.advance(hours=-2)  # Monday 08:00 Berlin = Sunday 23:00 in LA, Monday 16:00 in Tokyo
    text = text_of(slack.command("show GL-1"))
    assert waits(text) == {"UBOB": ["4 business days"], "UCAROL": ["4 business days"]}


def waits(story: str) -> dict[str, list[str]]:
    """What `show` stresses on each approver's line (their wait), by approver."""
    return {user: bold(line) for user in ("UBOB", "UCAROL") for line in lines_about(story, user) if bold(line)}


# ---- Slack failures -----------------------------------------------------------------------------


def test_users_info_failing_during_new_saves_nothing(slack, fake, db):
    fake.fail_next("users.info", status=500, times=2)  # the owner's language (then the workspace's), the approvers
    before = counts(db)
    reply = slack.command(NEW)
    assert reply["text"] == "Slack did not answer me just now, so nothing was saved. Please try again in a minute."
    assert counts(db) == before and fake.calls("chat.postMessage") == []
    register(slack)  # and it works when Slack is back


def test_rate_limited_post_is_delivered_once(slack, fake, gl, clock):
    fake.fail_next("chat.postMessage", status=429, retry_after=1)
    register(slack)
    attempts = [c for c in fake.calls("chat.postMessage") if c.args["channel"] == "CGENERAL"]
    assert [c.failed for c in attempts] == [True, False]
    assert len([c for c in slack.posts("CGENERAL")]) == 2  # the refused attempt and the delivered one
    run_for(gl, fake, clock, days=0.5)  # Bob in Los Angeles gets his request in his working hours
    assert len(slack.dms("UALICE")) == len(slack.dms("UBOB")) == 1
    with gl.transaction() as s:
        assert set(s.scalars(select(OutboxMessage.status))) == {"sent"}
