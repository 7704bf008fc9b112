"""The desk's message catalogue is complete in both languages and compiled: every text the templates and the
desk's code mark for translation has a Vietnamese and an English translation, and the .mo files the server
reads hold exactly what the .po files say (server/translations/README.md says how to update them)."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "server" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}


def marked_messages():
    method_map = [("server/web/**.py", "python"), ("server/web/templates/**.html", "jinja2")]
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_marked_text_is_translated_and_compiled(language):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle, locale=language)
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo", "rb") as handle:
        compiled = read_mo(handle)
    marked = marked_messages()
    assert len(marked) > 100
    missing = [message for message in marked if catalog.get(message) is None]
    assert not missing, f"not in the {language} catalogue (run the steps in server/translations/README.md): {missing}"
    untranslated = [message.id for message in catalog if message.id and (
        message.fuzzy or not (all(message.string) if isinstance(message.string, tuple) else message.string))]
    assert not untranslated, f"untranslated in {language}: {untranslated}"
    assert texts(catalog) == texts(compiled), "the .mo file is out of date: compile the catalogue"


def texts(catalog):
    def plain(value):
        return tuple(value) if isinstance(value, (list, tuple)) else value
    return {plain(message.id): plain(message.string) for message in catalog if message.id}


def test_vietnamese_is_not_a_copy_of_english():
    with open(TRANSLATIONS / "vi" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle, locale="vi")
    same = [m.id for m in catalog if m.id and m.string == m.id and m.id not in ("Email",)]
    assert not same, same
