"""The translation catalogs against the English source, which is the code (bot/locales/update.py extracts it):
no catalog keeps a string the code no longer has, German translates every one of them, and every translation has
the same placeholders as its source (a missing `{deadline}` would drop the date from a German reader's message; an
unknown one would crash the message)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot import i18n
from bot.locales.update import catalog_path, read, source

PLACEHOLDER = re.compile(r"(?<!\{)\{(\w+)\}(?!\})")
COMPLETE = ("de",)  # languages that must translate every string (SPEC §4); the others may fall back to English


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text.replace("{{", "").replace("}}", "")))


def translated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return not message.fuzzy and all(s for s in strings)


@pytest.fixture(scope="module")
def english():
    return {m.id: m for m in source() if m.id}


def test_english_and_german_and_the_languages_ready_to_add():
    assert set(i18n.languages()) >= {"en", "de", "fr", "ja"}
    for lang in i18n.languages()[1:]:
        assert catalog_path(lang).exists()


@pytest.mark.parametrize("lang", [lang for lang in i18n.languages() if lang != "en"])
def test_a_catalog_holds_only_strings_the_code_has(lang, english):
    stale = [m.id for m in read(lang) if m.id and m.id not in english]
    assert stale == [], f"{lang}: not in the English source (run bot/locales/update.py)"


@pytest.mark.parametrize("lang", COMPLETE)
def test_german_translates_every_string(lang, english):
    catalog = read(lang)
    missing = [mid for mid in english if catalog.get(mid) is None or not translated(catalog.get(mid))]
    assert missing == [], f"{lang}: {len(missing)} strings without a translation"


@pytest.mark.parametrize("lang", [lang for lang in i18n.languages() if lang != "en"])
def test_every_translation_has_the_placeholders_of_its_source(lang):
    wrong = []
    for m in read(lang):
        if not m.id or not translated(m):
            continue
        if isinstance(m.id, tuple):
            expected = placeholders(m.id[0]) | placeholders(m.id[1])
            forms = [placeholders(s) for s in m.string]
            if any(not f <= expected for f in forms) or forms[-1] != placeholders(m.id[1]):
                wrong.append((m.id, m.string))
        elif placeholders(m.string) != placeholders(m.id):
            wrong.append((m.id, m.string))
    assert wrong == []


def test_every_message_is_written_out_in_the_code():
    """A message built at run time (an f-string, a concatenation) never matches a catalog entry: it would stay
    English for everyone, silently."""
    built = []
    for path in sorted(Path(i18n.__file__).parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("t", "tn", "N_"):
                messages = node.args[: 2 if node.func.id == "tn" else 1]
                if any(isinstance(a, (ast.JoinedStr, ast.BinOp)) for a in messages):
                    built.append(f"{path.name}:{node.lineno}")
    assert built == []


def test_every_message_in_the_code_is_in_the_catalog(english):
    """Babel cannot see a call inside an f-string (`f"{t('Still waiting on:')}"`): such a message is never translated."""
    unseen = []
    for path in sorted(Path(i18n.__file__).parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("t", "tn", "N_"):
                literal = [
                    a.value for a in node.args[: 2 if node.func.id == "tn" else 1] if isinstance(a, ast.Constant)
                ]
                if literal and (tuple(literal) if len(literal) > 1 else literal[0]) not in english:
                    unseen.append(f"{path.name}:{node.lineno} {literal[0]!r}")
    assert unseen == []


def test_german_plurals_are_real_plural_forms():
    with i18n.speaking("de"):
        assert i18n.tn("{n} business day", "{n} business days", 1) == "1 Werktag"
        assert i18n.tn("{n} business day", "{n} business days", 2) == "2 Werktage"
    with i18n.speaking("en"):
        assert i18n.tn("{n} business day", "{n} business days", 1) == "1 business day"


def test_dates_in_the_readers_format():
    from datetime import date

    with i18n.speaking("de"):
        assert i18n.day(date(2026, 12, 15)) == "Di., 15. Dez. 2026"
    with i18n.speaking("en"):
        assert i18n.day(date(2026, 12, 15)) == "Tue 15 Dec 2026"
    with i18n.speaking("fr"):
        assert i18n.day(date(2026, 12, 15)) == "mar. 15 déc. 2026"


def test_numbers_in_the_readers_format():
    with i18n.speaking("de"):
        assert (i18n.number(1234), i18n.number(2.26, 1)) == ("1.234", "2,3")
    with i18n.speaking("en"):
        assert (i18n.number(1234), i18n.number(2.26, 1)) == ("1,234", "2.3")
