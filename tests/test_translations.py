"""The Swedish catalogue is complete, checked and keeps every placeholder.

Swedish is the platform's default language, so an untranslated or fuzzy entry
would show English (or a wrong text) to most users. These tests need no database.
"""

import re
from pathlib import Path

import polib
import pytest

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale" / "sv" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"

# Named placeholders such as %(name)s or %(n)d.
PLACEHOLDER = re.compile(r"%\((\w+)\)[#0\- +]*\d*(?:\.\d+)?[sdiouxXeEfFgGcr]")


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


@pytest.fixture(scope="module")
def catalogue() -> polib.POFile:
    return polib.pofile(str(PO_PATH))


def live_entries(po: polib.POFile) -> list[polib.POEntry]:
    return [entry for entry in po if not entry.obsolete]


def label(entry: polib.POEntry) -> str:
    return repr(entry.msgid)


def test_header(catalogue):
    assert catalogue.metadata.get("Language") == "sv"
    assert "charset=UTF-8" in catalogue.metadata.get("Content-Type", "")
    assert catalogue.metadata.get("Plural-Forms") == "nplurals=2; plural=(n != 1);"
    assert not catalogue.metadata_is_fuzzy, "the header is marked fuzzy"


def test_catalogue_is_not_empty(catalogue):
    assert live_entries(catalogue)


def test_no_untranslated_entries(catalogue):
    untranslated = [label(e) for e in catalogue.untranslated_entries()]
    # untranslated_entries() only looks at msgstr[0] of plurals; check every form.
    for entry in live_entries(catalogue):
        if entry.msgid_plural and not all(entry.msgstr_plural.get(i) for i in (0, 1)):
            untranslated.append(label(entry))
    assert not untranslated, f"untranslated: {untranslated}"


def test_no_fuzzy_entries(catalogue):
    fuzzy = [label(e) for e in catalogue.fuzzy_entries()]
    assert not fuzzy, f"fuzzy: {fuzzy}"


def test_placeholders_are_kept(catalogue):
    problems = []
    for entry in live_entries(catalogue):
        if entry.msgid_plural:
            for index, text in sorted(entry.msgstr_plural.items()):
                source = entry.msgid if int(index) == 0 else entry.msgid_plural
                if placeholders(text) != placeholders(source):
                    problems.append(f"{label(entry)} msgstr[{index}]: {text!r}")
        elif placeholders(entry.msgstr) != placeholders(entry.msgid):
            problems.append(f"{label(entry)}: {entry.msgstr!r}")
    assert not problems, "placeholders differ:\n" + "\n".join(problems)


def test_line_breaks_are_kept(catalogue):
    """E-mail subjects are first lines: a translation must not add a line break."""
    problems = []
    for entry in live_entries(catalogue):
        if entry.msgid_plural:
            pairs = [
                (entry.msgid if int(i) == 0 else entry.msgid_plural, text)
                for i, text in entry.msgstr_plural.items()
            ]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for source, text in pairs:
            if source.count("\n") != text.count("\n"):
                problems.append(label(entry))
    assert not problems, f"line breaks differ: {problems}"


def test_compiled_catalogue_matches(catalogue):
    assert MO_PATH.exists(), "run: manage.py compilemessages -l sv"
    compiled = polib.mofile(str(MO_PATH))

    def translations(po) -> dict:
        result = {}
        for entry in po:
            if entry.obsolete or not entry.msgid:
                continue
            key = (entry.msgctxt, entry.msgid, entry.msgid_plural)
            if entry.msgid_plural:
                result[key] = tuple(text for _, text in sorted(entry.msgstr_plural.items()))
            else:
                result[key] = entry.msgstr
        return result

    assert translations(compiled) == translations(catalogue), (
        "django.mo is out of date: run manage.py compilemessages -l sv"
    )
