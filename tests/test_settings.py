"""`/greenlight settings`: everyone sees them; admins change them, each value checked, and the change takes effect."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot.calendar import zone
from bot.jobs import sweep
from bot.services.settings import SETTINGS
from bot.services.workspaces import workspace
from storage.models import Approval, Event, Initiative, Workspace
from tests.facts import bold, channels, of_kind, references
from tests.slack_driver import SlackDriver, text_of
from tests.story import ESCALATING as NEW
from tests.story import database_is_free, escalate, run_for


def workspace_row(gl, team_id="T1") -> Workspace:
    with gl.transaction() as s:
        return workspace(s, team_id, now=gl.clock.now(), default_tz=gl.config.timezone)


def changes(gl) -> list[dict]:
    with gl.transaction() as s:
        return [
            (e.actor_id, e.initiative_id, e.data)
            for e in s.scalars(select(Event).where(Event.kind == "settings_changed").order_by(Event.id))
        ]


def test_everyone_sees_the_settings_with_their_defaults(slack):
    reply = slack.command("settings", user="UOTHER")
    text = text_of(reply)
    for line in (
        "`summary-channel` *not set*",
        "`summary-day` *mon*",
        "`summary-time` *09:00*",
        "`timezone` *Europe/Berlin*",
        "`working-hours` *09:00-17:00*",
        "`working-days` *mon,tue,wed,thu,fri*",
        "`holidays` *none*",
        "`deadline` *10 business days*",
        "`first-nudge` *2 business days*",
        "`nudge-every` *2 business days*",
        "`report-after` *20 business days*",
        "`sponsor-every` *2 business days*",
        "`report-every` *5 business days*",
    ):
        assert line in text
    assert "Only workspace admins and owners can change them." in text
    assert "Only workspace admins" not in text_of(slack.command("settings", user="UADMIN"))


def test_a_non_admin_cannot_change_them(slack, gl):
    reply = slack.command("settings working-hours 08:00-16:00", user="UOTHER")
    assert reply["text"].startswith("Only workspace admins and owners")
    assert workspace_row(gl).working_hours == "09:00-17:00"
    assert changes(gl) == []


@pytest.mark.parametrize("user", ["UADMIN", "UBOSS", "UOPS"])
def test_admins_owners_and_greenlight_admins_can(slack, fake, gl, user):
    fake.add_user("UBOSS", name="boss", is_owner=True)  # UOPS is in GREENLIGHT_ADMINS, unknown to Slack
    reply = slack.command("settings working-hours 08:00-16:00", user=user)
    assert (
        "`working-hours`" in reply["text"]
        and bold(reply["text"])[0] == "08:00-16:00"
        and "09:00-17:00" in reply["text"]
    )
    assert workspace_row(gl).working_hours == "08:00-16:00"
    assert changes(gl) == [(user, None, {"key": "working-hours", "old": "09:00-17:00", "new": "08:00-16:00"})]


ACCEPTED = [
    ("summary-day", "Friday", "summary_day", "fri"),
    ("summary-day", "tue", "summary_day", "tue"),
    ("summary-time", "8:30", "summary_time", "08:30"),
    ("timezone", "america/new_york", "timezone", "America/New_York"),
    ("working-hours", "07:30 - 15:30", "working_hours", "07:30-15:30"),
    ("working-days", "mon-thu", "working_days", "mon,tue,wed,thu"),
    ("working-days", "sun-thu", "working_days", "mon,tue,wed,thu,sun"),
    ("working-days", "mon,wed, fri", "working_days", "mon,wed,fri"),
    ("holidays", "de", "holidays", "DE"),
    ("holidays", "none", "holidays", None),
    ("deadline", "15", "deadline_days", 15),
    ("first-nudge", "1", "first_nudge", 1),
    ("nudge-every", "3", "nudge_every", 3),
    ("report-after", "30", "report_after", 30),
    ("sponsor-every", "3", "sponsor_every", 3),
    ("report-every", "10", "report_every", 10),
]


@pytest.mark.parametrize("key,value,attribute,stored", ACCEPTED)
def test_each_key_accepts_a_good_value(slack, gl, key, value, attribute, stored):
    if key == "holidays" and stored is None:
        slack.command("settings holidays FR", user="UADMIN")
    reply = slack.command(f"settings {key} {value}", user="UADMIN")
    assert reply["text"].startswith(f"`{key}`") and bold(reply["text"])  # the setting, and its new value
    assert getattr(workspace_row(gl), attribute) == stored
    assert changes(gl)[-1][2]["new"] == stored
    assert text_of(slack.command("settings", user="UOTHER")).count(f"`{key}` *") == 1


REJECTED = [
    ("summary-channel", "approvals", "is not a channel"),
    ("summary-day", "someday", "is not a day of the week"),
    ("summary-time", "25:00", "is not a time"),
    ("summary-time", "9am", "is not a time"),
    ("timezone", "Mars/Olympus", "is not a time zone name"),
    ("working-hours", "9-17", "is not a span of hours"),
    ("working-hours", "17:00-09:00", "must start before it ends"),
    ("working-days", "mon-fry", "“mon-fry” is not a weekday"),
    ("working-days", "weekdays", "is not a weekday"),
    ("holidays", "XX", "is not a country code I know"),
    ("holidays", "germany", "is not a country code I know"),
    ("deadline", "0", "is not a number of business days"),
    ("first-nudge", "-1", "is not a number of business days"),
    ("nudge-every", "two", "is not a number of business days"),
    ("report-after", "1.5", "is not a number of business days"),
    ("report-after", "1000", "from 1 to 260"),
    ("sponsor-every", "0", "is not a number of business days"),
    ("report-every", "weekly", "is not a number of business days"),
    # Only ASCII digits are digits: superscript, full-width and Arabic-Indic ones get a clear answer, not a crash.
    ("deadline", "²", "“²” is not a number of business days"),
    ("nudge-every", "３", "“３” is not a number of business days"),
    ("summary-time", "０９:００", "is not a time"),
    ("working-hours", "٠٩:٠٠-١٧:٠٠", "is not a span of hours"),
]


@pytest.mark.parametrize("key,value,message", REJECTED)
def test_each_key_refuses_a_bad_value(slack, gl, key, value, message):
    before = workspace_row(gl)
    reply = slack.command(f"settings {key} {value}", user="UADMIN")
    assert message in reply["text"]
    assert f"`/greenlight settings {key} " in reply["text"]  # and an example of a good one
    after = workspace_row(gl)
    assert {c.name: getattr(after, c.name) for c in Workspace.__table__.columns} == {
        c.name: getattr(before, c.name) for c in Workspace.__table__.columns
    }
    assert changes(gl) == []


def every_column(gl) -> dict:
    row = workspace_row(gl)
    return {c.name: getattr(row, c.name) for c in Workspace.__table__.columns}


@pytest.mark.parametrize(
    "text",
    [
        *(f"settings {key} {'9' * 40_000}" for key in SETTINGS),
        "settings working-days mon," + "x" * 40_000,
        "settings summary-channel <#C" + "1" * 40_000 + "|approvals>",
        "settings " + "colour" * 7_000 + " blue",
    ],
)
def test_a_huge_value_gets_a_short_answer(slack, gl, text):
    before = every_column(gl)
    reply = slack.command(text, user="UADMIN")["text"]
    assert len(reply) < 3_000 and "/greenlight settings" in reply  # says what would do, quotes only an excerpt
    assert every_column(gl) == before
    assert changes(gl) == []


def test_unknown_key_and_missing_value(slack):
    assert "There is no setting `colour`" in slack.command("settings colour blue", user="UADMIN")["text"]
    reply = slack.command("settings timezone", user="UADMIN")["text"]
    assert reply.startswith("Give `timezone` a value") and "Europe/Berlin" in reply


def test_summary_channel_must_be_one_the_bot_can_post_in(slack, fake, gl):
    fake.add_channel("CPUBLIC", name="approvals", is_member=False)  # public: chat:write.public lets it post
    fake.add_channel("CSECRET", name="secret", is_member=False)
    fake.channels["CSECRET"]["is_private"] = True
    fake.add_channel("CINNER", name="inner", is_member=True)
    fake.channels["CINNER"]["is_private"] = True

    reply = slack.command("settings summary-channel <#CSECRET|secret>", user="UADMIN")["text"]
    assert channels(reply) == ["CSECRET"] and "/invite @Greenlight" in reply  # which one, and how to let the bot in
    reply = slack.command("settings summary-channel <#CNOWHERE|gone>", user="UADMIN")["text"]
    assert channels(reply) == ["CNOWHERE"] and not changes(gl)  # which one; nothing is set
    assert workspace_row(gl).summary_channel is None

    assert (
        bold(slack.command("settings summary-channel <#CPUBLIC|approvals>", user="UADMIN")["text"])[0] == "<#CPUBLIC>"
    )
    assert bold(slack.command("settings summary-channel <#CINNER|inner>", user="UADMIN")["text"])[0] == "<#CINNER>"
    assert workspace_row(gl).summary_channel == "CINNER"
    assert "`summary-channel` *<#CINNER>*" in text_of(slack.command("settings"))
    unset = slack.command("settings summary-channel none", user="UADMIN")["text"]
    assert "<#CINNER>" not in bold(unset) and workspace_row(gl).summary_channel is None
    assert [c[2]["new"] for c in changes(gl)] == ["CPUBLIC", "CINNER", None]


def test_the_same_value_changes_nothing(slack, gl):
    reply = slack.command("settings nudge-every 2", user="UADMIN")["text"]
    assert reply.startswith("`nudge-every`") and "2 business days" in reply  # the setting, and the value it keeps
    assert changes(gl) == []


def test_slack_is_asked_with_no_transaction_open(slack, gl, fake, monkeypatch):
    """users.info (is this an admin?) and conversations.info (can the bot post there?) are answered while
    the database is free: checked from the fake Slack's own thread, while the app waits for the answer."""
    fake.add_channel("CPUBLIC", name="approvals", is_member=False)
    checked: dict[str, list[bool]] = {"users.info": [], "conversations.info": []}
    answer = fake._answer

    def answer_after_checking(method, args, headers):
        if method in checked:
            checked[method].append(database_is_free(gl))
        return answer(method, args, headers)

    monkeypatch.setattr(fake, "_answer", answer_after_checking)
    reply = slack.command("settings summary-channel <#CPUBLIC|approvals>", user="UADMIN")["text"]
    assert reply.startswith("`summary-channel` is now *<#CPUBLIC>*")
    assert checked == {"users.info": [True], "conversations.info": [True]}


def register(slack) -> datetime:
    assert references(slack.command("new Plan approvers <@UALICE> sponsor <@USPONSOR>", user="UOWNER")["text"]) == [
        "GL-1"
    ]
    return next_nudge(slack.gl)


def next_nudge(gl) -> datetime:
    with gl.transaction() as s:
        return s.scalar(select(Approval.next_nudge_at))


def nudges_to_alice(slack) -> list[dict]:
    return of_kind(slack.gl, slack.dms("UALICE"), "nudge")


def test_a_change_of_working_hours_moves_the_next_nudge(slack, gl, clock):
    # Registered Monday 10:00 in Berlin: the first reminder is due Wednesday at the same time.
    assert register(slack) == datetime(2026, 12, 9, 9, 0, tzinfo=UTC)
    slack.command("settings working-hours 13:00-17:00", user="UADMIN")
    assert next_nudge(gl) == datetime(2026, 12, 9, 12, 0, tzinfo=UTC)  # 13:00 in Berlin

    clock.set(datetime(2026, 12, 9, 9, 30, tzinfo=UTC))
    sweep(gl)
    assert nudges_to_alice(slack) == []
    clock.set(datetime(2026, 12, 9, 12, 0, tzinfo=UTC))
    sweep(gl)
    assert len(nudges_to_alice(slack)) == 1


def test_working_days_holidays_and_nudge_cadence_move_it_too(slack, gl, clock):
    register(slack)
    slack.command("settings first-nudge 3", user="UADMIN")
    assert next_nudge(gl) == datetime(2026, 12, 10, 9, 0, tzinfo=UTC)  # Thursday
    slack.command("settings working-days mon,tue,thu,fri", user="UADMIN")
    assert next_nudge(gl) == datetime(2026, 12, 11, 9, 0, tzinfo=UTC)  # Wednesday no longer counts
    slack.command("settings working-days mon-fri", user="UADMIN")
    assert next_nudge(gl) == datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
    slack.command("settings holidays IT", user="UADMIN")  # 8 December is a holiday in Italy
    assert next_nudge(gl) == datetime(2026, 12, 11, 9, 0, tzinfo=UTC)
    slack.command("settings first-nudge 13", user="UADMIN")  # beyond the deadline: only the last call is left
    assert next_nudge(gl) == datetime(2026, 12, 18, 8, 0, tzinfo=UTC)  # 09:00 in Berlin, the day before the deadline


def test_a_change_of_timezone_moves_the_deadline_moment(slack, gl):
    register(slack)
    slack.command("settings timezone America/New_York", user="UADMIN")
    with gl.transaction() as s:
        ini = s.scalar(select(Initiative))
        assert ini.escalate_at == datetime(2026, 12, 22, 5, 0, tzinfo=UTC)  # end of Mon 21 Dec in New York


def test_settings_belong_to_one_workspace(slack, gl, fake):
    other = SlackDriver(gl, fake, slack.secret, team="T2")
    other.command("settings nudge-every 5", user="UADMIN", team="T2")
    assert workspace_row(gl).nudge_every == 2
    assert workspace_row(gl, "T2").nudge_every == 5


# --- sponsor-every and report-every: settable, shown, and they move what is already scheduled ----------


def sponsor_asks_in(sent) -> list[date]:
    return [
        at.astimezone(zone("Europe/Berlin")).date()
        for at, ch, m in sent
        if ch == "USPONSOR" and "your decision is still needed" in text_of(m)
    ]


def test_sponsor_every_re_asks_escalated_sponsors_on_the_new_cadence(slack, gl, fake, clock):
    escalate(slack, gl, fake, clock)  # Monday 14 December; by default the sponsor is asked again on the 16th
    reply = slack.command("settings sponsor-every 1", user="UADMIN")["text"]
    assert reply.startswith("`sponsor-every` is now *1 business day* (was 2 business days).")
    assert "`sponsor-every` *1 business day*" in text_of(slack.command("settings"))
    sent = run_for(gl, fake, clock, days=9)
    # Re-counted from the last ask (Monday 14th): the ask due on the 16th comes on the 15th, then every day.
    assert sponsor_asks_in(sent) == [date(2026, 12, d) for d in (15, 16, 17, 18, 21, 22, 23)]


def report_reminders_in(sent) -> list[date]:
    return [
        at.astimezone(zone("Europe/Berlin")).date()
        for at, ch, m in sent
        if ch == "UOWNER" and "The report on *GL-1*" in text_of(m)
    ]


def test_report_every_spaces_the_reminders_of_an_overdue_report(slack, gl, fake, clock):
    slack.command(NEW)
    assert "report by Mon 4 Jan 2027" in slack.command("proceed GL-1", user="USPONSOR")["text"]
    clock.set(datetime(2027, 1, 4, 10, 0, tzinfo=UTC))
    sweep(gl)  # the first reminder, on the day the report is due; by default the next comes on Monday 11 January
    assert [m for m in slack.dms("UOWNER") if "is due Mon 4 Jan 2027" in text_of(m)]
    reply = slack.command("settings report-every 2", user="UADMIN")["text"]
    assert reply.startswith("`report-every` is now *2 business days* (was 5 business days).")
    assert "`report-every` *2 business days*" in text_of(slack.command("settings"))
    sent = run_for(gl, fake, clock, days=5)
    assert report_reminders_in(sent) == [date(2027, 1, 6), date(2027, 1, 8)]


def test_records_settings_read_on_off_and_months_and_refuse_the_rest(slack):
    """self-sponsor, summary-names (on|off) and retention (off | months): records branch."""
    assert slack.command("settings retention 24", user="UADMIN")["text"].startswith("`retention` is now *24 months*")
    assert slack.command("settings retention off", user="UADMIN")["text"].startswith(
        "`retention` is now *off (nothing is deleted)* (was 24 months)."
    )
    refused = slack.command("settings retention 0", user="UADMIN")["text"]
    assert "is not a number of months" in refused and "`/greenlight settings retention 24`" in refused
    refused = slack.command("settings summary-names maybe", user="UADMIN")["text"]
    assert "is neither `on` nor `off`" in refused and "`/greenlight settings summary-names off`" in refused
    shown = slack.command("settings", user="UALICE")
    text = str(shown)
    assert (
        "`self-sponsor` *off*" in text
        and "`summary-names` *on*" in text
        and "`retention` *off (nothing is deleted)*" in text
    )


def test_language_is_one_greenlight_speaks(slack, gl):
    assert "`language` *en*" in text_of(slack.command("settings", user="UOTHER"))
    reply = slack.command("settings language DE", user="UADMIN")["text"]
    assert reply.startswith("`language` is now *de* (was en).") and "channels" in reply
    assert workspace_row(gl).language == "de"
    assert changes(gl) == [("UADMIN", None, {"key": "language", "old": "en", "new": "de"})]
    assert "`language` *de*" in text_of(slack.command("settings", user="UOTHER"))


@pytest.mark.parametrize("value", ["klingon", "de-DE", "xx", "auto"])
def test_language_refuses_one_it_does_not_speak_and_lists_those_it_does(slack, gl, value):
    before = every_column(gl)
    reply = slack.command(f"settings language {value}", user="UADMIN")["text"]
    assert f"“{value}” is not a language Greenlight speaks. It speaks: `en`, `de`, `fr`, `ja`." in reply
    assert "`/greenlight settings language de`" in reply  # and an example of a good one
    assert every_column(gl) == before
    assert changes(gl) == []


def test_only_admins_change_the_language(slack, gl):
    assert slack.command("settings language de", user="UOTHER")["text"].startswith("Only workspace admins")
    assert workspace_row(gl).language == "en"
