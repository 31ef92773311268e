"""Nothing a person reads bypasses the catalog: the whole life of initiatives is played in a pseudo language whose
every translated string and date comes back between ⟦ ⟧, and every word that reached Slack (DMs, channel posts,
ephemeral replies, modals, App Homes, the summary, help and refusals) must sit inside those marks. What may stand
outside them is data: mentions, channel links, references, emoji, numbers, and what people typed."""

from __future__ import annotations

import json
import re
import sys

from bot import i18n, notices
from bot.blocks import common, digest, home, initiatives, lists, modals, register, settings, stats, summary
from tests.whole_story import play_the_story, read_by_people, setting_the_scene, visible_strings, without_data


def outside_marks(text: str) -> str:
    """What is left of `text` once every ⟦…⟧ (nested ones too) is taken out."""
    out, depth = [], 0
    for ch in text:
        if ch == i18n.OPEN:
            depth += 1
        elif ch == i18n.CLOSE:
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def unmarked(text: str) -> str:
    """The letters of `text` that are neither translated nor data; empty when all is well."""
    rest = without_data(outside_marks(text))
    return "".join(re.findall(r"[^\W\d_]+", rest))


class Builders:
    """Which message builders ran (bot/blocks, bot/notices): each must have been rendered by the story."""

    MODULES = (common, digest, home, initiatives, lists, modals, register, settings, stats, summary, notices)

    def __init__(self):
        self.codes = {
            f.__code__: f"{m.__name__}.{name}"
            for m in self.MODULES
            for name, f in vars(m).items()
            if callable(f)
            and hasattr(f, "__code__")
            and f.__module__ == m.__name__
            # builders, not the readers of what a submitted form holds
            and not name.startswith(("_", "submitted"))
        }
        self.ran: set[str] = set()

    def __enter__(self):
        def profile(frame, event, arg):
            if event == "call" and frame.f_code in self.codes:
                self.ran.add(self.codes[frame.f_code])

        sys.setprofile(profile)
        return self

    def __exit__(self, *exc):
        sys.setprofile(None)


def test_every_word_people_read_comes_from_the_catalog(slack, gl, fake, clock):
    # a Slack language Greenlight does not speak: everyone reads the workspace's
    setting_the_scene(gl, fake, i18n.PSEUDO, "xx-XX")
    with Builders() as builders:
        answers = play_the_story(slack, gl, fake, clock)

    found = [(method, unmarked(text), text) for method, text in read_by_people(fake, answers) if unmarked(text)]
    assert found == [], json.dumps(found[:20], ensure_ascii=False, indent=1)
    missing = sorted(set(builders.codes.values()) - builders.ran - set(RENDERED_ALONE))
    assert missing == [], "\n".join(missing)


def test_what_only_a_long_story_shows_comes_from_the_catalog_too():
    """A Home past Slack's 100 blocks, a history past one page: rendered alone in the pseudo language."""
    with i18n.speaking(i18n.PSEUDO):
        for name, render in RENDERED_ALONE.items():
            for text in visible_strings({"text": render()}):
                assert unmarked(text) == "", (name, text)


class _Initiative:
    id, reference = 1, "GL-1"


# What the story does not reach (the rest of each module it renders): each is rendered alone, above.
RENDERED_ALONE = {
    "bot.blocks.home.more_newest": lambda: [home.more_newest(5, False), home.more_newest(200, True)],
    "bot.blocks.initiatives.older_events_button": lambda: initiatives.older_events_button(_Initiative, 7),
    "bot.blocks.summary.as_text": lambda: "",  # the operator's `python -m bot summary` on a terminal, in English
    "bot.blocks.lists.page_value": lambda: "",  # a button's value, never shown
}
