"""`python -m bot rehearse`: a sample initiative over six weeks on a simulated clock, with the workspace's settings
and the people's calendars, sending nothing; it prints what each person would receive and when, in local time."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.calendar import WorkWeek, zone
from bot.rehearsal import Cast, person_option, rehearse, script
from tests.processes import bot_env, cli, database_url, run

CAST = Cast(
    "UOWNER",
    "USPONSOR",
    ("UPARIS", "UNEWYORK", "UTOKYO"),
    dict(
        [
            person_option("UOWNER=Europe/Berlin"),
            person_option("USPONSOR=Europe/Berlin"),
            person_option("UPARIS=Europe/Paris:FR"),
            person_option("UNEWYORK=America/New_York:US-NY"),
            person_option("UTOKYO=Asia/Tokyo:JP"),
        ]
    ),
)


def test_rehearsal_plays_six_weeks_in_each_persons_hours_and_sends_nothing(fake):
    played = rehearse("T1", CAST, datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    assert fake.calls() == []  # nothing reached Slack
    told = {r for _, r, _, _ in played}
    assert {"UOWNER", "USPONSOR", "UPARIS", "UNEWYORK", "UTOKYO", "CREHEARSAL"} <= told
    holidays = {"UPARIS": "FR", "UNEWYORK": "US-NY", "UTOKYO": "JP"}
    for at, recipient, tz, what in played:
        local = at.astimezone(zone(tz))
        assert 9 <= local.hour < 17, (recipient, local, what)
        assert WorkWeek(holidays_country=holidays.get(recipient)).is_business_day(local.date()), (recipient, local)
    firsts = [w for _, r, _, w in played if r == "USPONSOR"]
    assert "you are the sponsor" in firsts[0] and any("deadline passed" in w for w in firsts)
    text = script(played)
    assert "UTOKYO:" in text and "(Asia/Tokyo)" in text and "(earlier message" not in text


def test_the_operator_command_prints_the_rehearsal(db, fake, tmp_path):
    env = bot_env(fake, database_url(db))
    done = run(
        cli(
            "rehearse",
            "--owner",
            "UOWNER",
            "--sponsor",
            "USPONSOR",
            "--approvers",
            "UPARIS,UTOKYO",
            "--person",
            "UPARIS=Europe/Paris:FR",
            "--person",
            "UTOKYO=Asia/Tokyo:JP",
        ),
        env,
    )
    assert done.returncode == 0, done.stderr
    assert "UPARIS:" in done.stdout and "(Europe/Paris)" in done.stdout and "(Asia/Tokyo)" in done.stdout
    assert fake.calls() == []
    bad = run(cli("rehearse", "--person", "Paris"), env)
    assert bad.returncode == 2 and "USER=Time/Zone" in bad.stderr
