"""The words, dates and numbers a reader sees, in their language: gettext catalogs (bot/locales/<lang>/LC_MESSAGES/
messages.po, compiled in memory when the bot starts) and Babel's formats.

Every user-facing string is written in English in the code, through `t` (or `tn` for a count, `N_` to mark a
constant translated where it is used), with `{named}` placeholders filled after translation (a literal brace is
doubled: `{{`). Who reads it is the language of the moment: `speaking(lang)` sets it around what is built for one
reader (a DM, the person's App Home, a channel post in the workspace's language); a request speaks the language of
the person who made it.

`bot/locales/update.py` extracts the strings into each catalog; a language is added by adding its catalog.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

SOURCE = "en"
LOCALES = Path(__file__).with_name("locales")
# A test language: every translated string and every date comes back between these marks, so that a test can
# tell text that went through the catalog from text that bypassed it.
PSEUDO = "xx"
OPEN, CLOSE = "⟦", "⟧"

# The language of the moment, or (set by a request before its ack) how to look it up once something is said.
_language: ContextVar[str | Callable[[], str | None]] = ContextVar("language", default=SOURCE)


@cache
def languages() -> tuple[str, ...]:
    """The languages people can read Greenlight in: English and each catalog under bot/locales/."""
    found = sorted(p.parent.parent.name for p in LOCALES.glob("*/LC_MESSAGES/messages.po"))
    return (SOURCE, *found)


def compile_all() -> None:
    """Compile every catalog now (at start: before gunicorn forks its workers, who then share them)."""
    for lang in languages():
        _translations(lang)


@cache
def _translations(lang: str) -> gettext.NullTranslations:
    """A catalog compiled in memory; untranslated and fuzzy strings fall back to the English source."""
    po = LOCALES / lang / "LC_MESSAGES" / "messages.po"
    if lang == SOURCE or not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as f:
        catalog = read_po(f, locale=lang)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def language_of(slack_locale: str | None) -> str | None:
    """'de' for Slack's 'de-DE', if Greenlight speaks it; None otherwise."""
    base = (slack_locale or "").replace("_", "-").split("-")[0].lower()
    return base if base in languages() else None


def _lang() -> str:
    language = _language.get()
    if callable(language):
        language = _known(language())
        _language.set(language)
    return language


def _known(lang: str | None) -> str:
    return lang if lang == PSEUDO or lang in languages() else SOURCE


def current() -> str:
    """The language of what is being built now."""
    return _lang()


@contextmanager
def speaking(lang: str | None) -> Iterator[None]:
    """Build what is inside for a reader of `lang` (None: the source language)."""
    token = _language.set(_known(lang))
    try:
        yield
    finally:
        _language.reset(token)


def set_language(lang: str | None | Callable[[], str | None]) -> None:
    """The language of the rest of this request (its context: each request runs in a copy of its own), or how to
    look it up when it is first needed (after the ack, mostly)."""
    _language.set(lang if callable(lang) else _known(lang))


def _marked(text: str) -> str:
    return f"{OPEN}{text}{CLOSE}" if _lang() == PSEUDO else text


def t(message: str, **values) -> str:
    """`message` in the reader's language, its `{placeholders}` filled with `values`."""
    lang = _lang()
    text = message if lang in (SOURCE, PSEUDO) else _translations(lang).gettext(message)
    return _marked(text.format(**values))


def tn(singular: str, plural: str, n: int, **values) -> str:
    """The singular or plural form (as the reader's language counts) for `n`; `{n}` (written as the reader writes
    numbers: 1,600 or 1.600) is available to both."""
    lang = _lang()
    if lang in (SOURCE, PSEUDO):
        text = singular if n == 1 else plural
    else:
        text = _translations(lang).ngettext(singular, plural, n)
    return _marked(text.format(n=number(n), **values))


def N_(message: str) -> str:
    """Marks a constant for the catalog; it is translated with `t` where it is shown."""
    return message


def _locale() -> Locale:
    lang = _lang()
    return Locale.parse("en" if lang == PSEUDO else lang)


def day(d: date) -> str:
    """A date as the reader writes it: 'Tue 15 Dec 2026', 'Di., 15. Dez. 2026'."""
    if _lang() in (SOURCE, PSEUDO):
        return _marked(format_date(d, "EEE d MMM y", locale="en"))
    return format_skeleton("yMMMEd", d, locale=_locale())


def short_day(d: date) -> str:
    """A date without its year, for a date close to today: 'Tue 15 Dec', 'Di., 15. Dez.'."""
    if _lang() in (SOURCE, PSEUDO):
        return _marked(format_date(d, "EEE d MMM", locale="en"))
    return format_skeleton("MMMEd", d, locale=_locale())


def clock(at: datetime) -> str:
    """A wall-clock time: '09:00' (24-hour where the reader's language writes it so)."""
    if _lang() in (SOURCE, PSEUDO):
        return _marked(f"{at:%H:%M}")
    return format_skeleton("Hm", at, locale=_locale())


def number(value: float, decimals: int = 0) -> str:
    """A number as the reader writes it: '1,234' and '2.3' in English, '1.234' and '2,3' in German."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=_locale())


def language_name(lang: str) -> str:
    """A language by its own name, as its speakers look for it in a list: 'Deutsch', 'English', '日本語'."""
    name = Locale.parse(lang).get_display_name(lang)
    return _marked(name[:1].upper() + name[1:])


def weekday(d: date) -> str:
    """The day's name: 'Monday', 'Montag'."""
    if _lang() in (SOURCE, PSEUDO):
        return _marked(format_date(d, "EEEE", locale="en"))
    return format_date(d, "EEEE", locale=_locale())
