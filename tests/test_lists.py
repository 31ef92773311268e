"""`list` and `mine` show one page at a time, with filters, and Previous / Next page buttons that work."""

from __future__ import annotations

from bot.blocks.ids import Action
from bot.dataset import CHANNELS, fill
from tests.conftest import START
from tests.facts import references
from tests.slack_driver import TEAM, buttons, text_of

NEW = "new Plan {n} approvers <@UALICE|alice> sponsor <@USPONSOR|sponsor>"


def register(slack, count: int, start: int = 1, channel: str = "CGENERAL") -> None:
    for n in range(start, start + count):
        assert slack.command(NEW.format(n=n), channel=channel)["text"].startswith("Registered")


def listed(reply: dict) -> list[str]:
    """The references a list shows, in order, each once."""
    return list(dict.fromkeys(references(text_of(reply))))


def page_button(reply: dict, action: Action) -> str:
    """The value of the Previous or Next page button of a reply."""
    (value,) = [
        e["value"]
        for b in reply["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action.value
    ]
    return value


def test_list_pages_through_every_open_initiative_longest_wait_first(slack, clock):
    for n in range(1, 46):
        register(slack, 1, start=n)
        clock.advance(minutes=1)
    first = slack.command("list")
    assert listed(first) == [f"GL-{n}" for n in range(1, 21)]
    assert "Page 1 of 3" in text_of(first) and "45 in all" in text_of(first)
    assert [label for label, _ in buttons(first)] == ["Next page"]

    replaced = slack.click(Action.NEXT_PAGE.value, page_button(first, Action.NEXT_PAGE), user="UOWNER")
    assert replaced["replace_original"] is True  # the list message itself turns the page
    assert listed(replaced) == [f"GL-{n}" for n in range(21, 41)]
    assert [label for label, _ in buttons(replaced)] == ["Previous page", "Next page"]

    third = slack.command("list page 3")
    assert listed(third) == [f"GL-{n}" for n in range(41, 46)]
    assert [label for label, _ in buttons(third)] == ["Previous page"]


def test_list_filters_by_state_channel_and_person(slack, clock):
    register(slack, 2)
    register(slack, 1, start=3, channel="CSALES")
    slack.command("new Mine approvers <@UALICE|alice> sponsor <@USPONSOR|sponsor>", user="UBOB")
    slack.command("withdraw GL-2 merged")  # closed: listed nowhere
    assert listed(slack.command("list")) == ["GL-1", "GL-3", "GL-4"]
    assert listed(slack.command("list <#CSALES|sales>")) == ["GL-3"]
    assert listed(slack.command("list mine", user="UBOB")) == ["GL-4"]
    assert listed(slack.command("list escalated")) == []
    assert "Nothing is waiting" in text_of(slack.command("list proceeding"))
    assert listed(slack.command("list stalled")) == ["GL-1", "GL-3", "GL-4"]


def test_list_with_words_it_does_not_know_says_how(slack):
    reply = slack.command("list everything")
    assert "“everything”" in reply["text"] and "/greenlight list [stalled" in reply["text"]


def test_mine_pages_each_of_its_lists(slack, clock):
    for n in range(1, 26):
        slack.command(f"new Ask {n} approvers <@UOWNER|owner> sponsor <@USPONSOR|sponsor>", user="UBOB")
        clock.advance(minutes=1)
    first = slack.command("mine")
    assert listed(first)[:20] == [f"GL-{n}" for n in range(1, 21)]
    assert "Waiting on you (25)" in text_of(first) and "Page 1 of 2" in text_of(first)
    second = slack.command("mine page 2")
    assert listed(second) == [f"GL-{n}" for n in range(21, 26)]


def test_a_forged_page_button_lists_nothing_else(slack):
    register(slack, 1)
    reply = slack.click(Action.NEXT_PAGE.value, "withdraw GL-1", user="UOWNER")
    assert "out of date" in reply["text"]
    assert "GL-1" in text_of(slack.command("list"))


def test_a_long_list_counts_to_two_hundred_and_pages_on_past_it(slack, fake, db):
    """Counting stops at 200 (a read costs what it shows), but every page can still be reached."""
    fill(db, 300, team_id=TEAM, now=START, due=0, people=30, history=False)
    fake.add_user("UREADER", name="reader")
    for c in range(CHANNELS):
        fake.set_members(f"C{c:03d}", ["UREADER"])
    first = slack.command("list", user="UREADER")
    assert "200+ in all" in text_of(first) and "Page 1 of 10+" in text_of(first)
    tenth = slack.command("list page 10", user="UREADER")
    assert "Page 10 of 10+" in text_of(tenth)
    assert [label for label, _ in buttons(tenth)] == ["Previous page", "Next page"]
    last = slack.command("list page 15", user="UREADER")  # counted to the end of the page asked for
    assert "300 in all" in text_of(last) and "Page 15 of 15" in text_of(last)
    assert len(listed(last)) == 20 and [label for label, _ in buttons(last)] == ["Previous page"]
