"""Bring every catalog up to date with the strings in the code: `python bot/locales/update.py [--add LANG]`.

The English source is the code itself (`t`, `tn`, `N_` in bot/, and the meanings in bot/services/settings.toml);
each bot/locales/<lang>/LC_MESSAGES/messages.po keeps its translations, gains the new strings untranslated (they
show in English until translated) and loses the strings the code no longer has. `--add fr` starts a new language.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tomllib
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

BOT = Path(__file__).resolve().parent.parent
LOCALES = BOT / "locales"
KEYWORDS = {"t": None, "tn": (1, 2), "N_": None}


def source() -> Catalog:
    """Every user-facing string of the code, as the English source catalog."""
    catalog = Catalog(locale="en", project="Greenlight")
    # Babel warns of every f-string inside a call, the values of `t("… {count} …", count=f"{n:,}")` included; a
    # message that is itself an f-string is what tests/test_catalogs.py refuses.
    with contextlib.redirect_stderr(io.StringIO()):
        found = list(
            extract_from_dir(
                BOT,
                method_map=[("**.py", "python")],
                keywords=KEYWORDS,
                comment_tags=("Translators:",),
                strip_comment_tags=True,
            )
        )
    for filename, lineno, message, comments, _context in found:
        if "locales" in Path(filename).parts:
            continue
        catalog.add(message, locations=[(f"bot/{filename}", lineno)], auto_comments=comments)
    settings = tomllib.loads((BOT / "services" / "settings.toml").read_text())
    for key, declared in settings.items():
        catalog.add(declared["meaning"], locations=[("bot/services/settings.toml", 0)], auto_comments=[key])
    return catalog


def catalog_path(lang: str) -> Path:
    return LOCALES / lang / "LC_MESSAGES" / "messages.po"


def read(lang: str) -> Catalog:
    with catalog_path(lang).open("rb") as f:
        return read_po(f, locale=lang)


def write(lang: str, catalog: Catalog) -> None:
    path = catalog_path(lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalog, width=120, sort_output=False, ignore_obsolete=True, include_lineno=False)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--add", metavar="LANG", help="start a catalog for a new language (e.g. fr)")
    args = parser.parse_args(argv)
    template = source()
    if args.add:
        Locale.parse(args.add)  # refuses a language Babel does not know
        if catalog_path(args.add).exists():
            print(f"{catalog_path(args.add)} exists already")
            return 1
        write(args.add, Catalog(locale=args.add, project="Greenlight", fuzzy=False))
    for path in sorted(LOCALES.glob("*/LC_MESSAGES/messages.po")):
        lang = path.parent.parent.name
        catalog = read(lang)
        catalog.update(template, no_fuzzy_matching=True)
        write(lang, catalog)
        done = sum(1 for m in catalog if m.id and m.string and (not m.pluralizable or all(m.string)))
        print(f"{lang}: {done} of {len(template)} strings translated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
