"""The App Home's buttons for everyone: "My calendar" (the form of `/greenlight me`) and "New initiative"."""

from __future__ import annotations

from storage.models import Person
from tests.slack_driver import buttons
from tests.story import home_click, homes, open_home, set_workspace


def test_my_calendar_form_sets_follows_and_refuses_like_the_command(slack, gl, fake):
    set_workspace(gl, holidays="DE")
    open_home(slack, "UCAROL")
    assert ("My calendar", "my_calendar") in buttons(homes(fake, "UCAROL")[-1])
    home_click(slack, "my_calendar", "me", "UCAROL")
    form = fake.calls("views.open")[-1].args["view"]
    assert form["callback_id"] == "my_calendar" and "DE" in str(form["blocks"])  # the workspace's, as a hint

    bad = slack.submit(form, {"holidays": "XX", "working-days": "mon-thu", "working-hours": ""}, "UCAROL")
    assert "holidays" in bad.body and "not a country code" in bad.body
    with gl.transaction() as s:
        assert s.get(Person, ("T1", "UCAROL")).working_days is None  # nothing saved

    slack.submit(form, {"holidays": "jp", "working-days": "mon-thu", "working-hours": ""}, "UCAROL")
    with gl.transaction() as s:
        carol = s.get(Person, ("T1", "UCAROL"))
        assert (carol.holidays, carol.working_days, carol.working_hours) == ("JP", "mon,tue,wed,thu", None)
    assert "JP" in str(homes(fake, "UCAROL")[-1]["blocks"])  # the answer on top of the Home

    slack.submit(form, {"holidays": "", "working-days": "mon-thu", "working-hours": ""}, "UCAROL")
    with gl.transaction() as s:
        assert s.get(Person, ("T1", "UCAROL")).holidays is None  # emptied: follows the workspace again


def test_new_initiative_from_the_home_opens_the_registration_form(slack, fake):
    open_home(slack, "UOWNER")
    home_click(slack, "new_initiative", "new", "UOWNER")
    assert fake.calls("views.open")[-1].args["view"]["callback_id"] == "register"
