"""Onboarding (SPEC §4, the issue's item 9): a person's first App Home visit says how Greenlight works, with the
"New initiative" button; later visits keep it short. Workspace admins see a setup checklist (time zone, holidays,
summary channel), each step with the command that does it, until it is set."""

from __future__ import annotations

from tests.facts import bold, parts
from tests.slack_driver import buttons, text_of
from tests.story import homes, open_home, set_workspace

ROLES = {"owner", "approvers", "sponsor", "business days", "proceed and report"}


def checklist(view: dict) -> list[str]:
    """The unchecked setup steps on a Home, as their bold names."""
    return [name for line in parts(view)[0].split("\n") if line.startswith("☐") for name in bold(line)[:1]]


def test_the_first_visit_explains_how_it_works_and_later_ones_keep_it_short(slack, fake):
    open_home(slack, "UALICE")
    first = homes(fake, "UALICE")[-1]
    top = parts(first)[0]
    assert {w.lower() for w in bold(top)} >= ROLES  # owner, approvers, sponsor, business days, proceed and report
    assert ("New initiative", "new_initiative") in buttons(first)
    assert checklist(first) == []  # not an admin: no setup steps

    open_home(slack, "UALICE")
    again = homes(fake, "UALICE")[-1]
    assert not ROLES & {w.lower() for w in bold(parts(again)[0])}  # not repeated at full length
    assert len(text_of(again)) < len(text_of(first)) and "/greenlight help" in text_of(again)
    assert ("New initiative", "new_initiative") in buttons(again)


def test_admins_see_each_setup_step_with_its_command_until_it_is_set(slack, gl, fake):
    set_workspace(gl, timezone="UTC")  # as a workspace starts when the operator set no GREENLIGHT_TIMEZONE
    open_home(slack, "UADMIN")
    home = homes(fake, "UADMIN")[-1]
    assert checklist(home) == ["Time zone", "Public holidays", "Summary channel"]
    said = parts(home)[0]
    for command in (
        "/greenlight settings timezone",
        "/greenlight settings holidays",
        "/greenlight settings summary-channel",
    ):
        assert command in said
    assert {w.lower() for w in bold(said)} >= ROLES  # an admin's first visit explains it too

    slack.command("settings summary-channel <#CPLANS|plans>", user="UADMIN")
    open_home(slack, "UADMIN")
    assert checklist(homes(fake, "UADMIN")[-1]) == ["Time zone", "Public holidays"]

    slack.command("settings holidays none", user="UADMIN")  # a deliberate "no public holidays" counts as set
    slack.command("settings timezone Asia/Tokyo", user="UADMIN")
    open_home(slack, "UADMIN")
    assert checklist(homes(fake, "UADMIN")[-1]) == []
    assert "Set up Greenlight" not in text_of(homes(fake, "UADMIN")[-1])


def test_a_workspace_already_set_up_shows_no_checklist(slack, gl, fake):
    set_workspace(gl, timezone="Europe/Berlin", holidays="DE", summary_channel="CPLANS")
    open_home(slack, "UADMIN")
    assert checklist(homes(fake, "UADMIN")[-1]) == []
