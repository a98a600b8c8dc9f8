"""Swedish pages speak Swedish: no code identifier, slug or English reference text shows
through, anywhere the coordinator goes in the demo story."""

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
from django.conf import settings

from samverkan.accounts.models import User
from samverkan.agreements.models import Agreement, AgreementPrinciple
from samverkan.collaborations.models import Collaboration, FundingApplication
from samverkan.core.choices import CollaborationKind
from samverkan.demo.story import TOPICS
from samverkan.inquiries.models import Gate, Inquiry, PriorityCriterion
from samverkan.needs.models import Need
from samverkan.orgs.models import Committee
from samverkan.strategy.models import Goal
from samverkan.test import DemoStoryTestCase

# A code identifier shown as text: several_companies, non_exclusive, awaiting_info.
IDENTIFIER = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
# A formula written with identifiers: "2 × scalable".
FORMULA_SLUG = re.compile(r"×\s*[a-z][a-z_]{2,}\b")


class _VisibleText(HTMLParser):
    """The words a reader sees: no scripts, styles, code, form values or hidden parts."""

    SKIP = {"script", "style", "code", "pre", "textarea", "select", "template"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skipping: list[str] = []

    VOID = {"input", "img", "br", "hr", "meta", "link", "source", "wbr", "area", "col"}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return  # no text inside, and no end tag to pop
        hidden = any(name == "hidden" for name, _ in attrs)
        # Inside a skipped part, the same tag nests and must close before the part ends.
        if tag in self.SKIP or hidden or (self.skipping and tag == self.skipping[-1]):
            self.skipping.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and tag == self.skipping[-1]:
            self.skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


class _Tables(HTMLParser):
    """Each table's parent element, the named regions, and the text of every id."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[dict[str, str | None]] = []
        self.parents: list[dict[str, str | None]] = []
        self.ids: list[str] = []
        self.texts: dict[str, str] = {}
        self.regions: list[str] = []  # aria-labelledby of every region landmark

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(str(found["id"]))
            self.texts.setdefault(str(found["id"]), "")
        labelled = found.get("aria-labelledby")
        if labelled and (tag == "section" or found.get("role") == "region"):
            self.regions.append(str(labelled))
        if tag == "table":
            self.parents.append(self.stack[-1] if self.stack else {})
        if tag not in _VisibleText.VOID:
            self.stack.append({"tag": tag, **found})

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop()["tag"] != tag:
            pass

    def handle_data(self, data: str) -> None:
        for element in self.stack:
            if element.get("id"):
                self.texts[str(element["id"])] += data

    def name(self, labelled_by: str) -> str:
        return " ".join(" ".join(self.texts.get(i, "") for i in labelled_by.split()).split())


def table_problems(html: str) -> list[str]:
    """Every table sits in a labelled region that scrolls by itself, written in the page."""
    parser = _Tables()
    parser.feed(html)
    problems, labels = [], []
    for parent in parser.parents:
        label = str(parent.get("aria-labelledby") or "")
        if (
            parent.get("tag") != "div"
            or "table-scroll" not in str(parent.get("class") or "").split()
            or parent.get("role") != "region"
            or parent.get("tabindex") != "0"
            or not label
        ):
            problems.append(f"table in {parent}")
        elif not all(part in parser.ids for part in label.split()):
            problems.append(f"region labelled by missing ids {label}")
        labels.append(label)
    if len(set(labels)) != len(labels):
        problems.append(f"regions with the same label: {sorted(labels)}")
    # Regions are landmarks: no two may share a name (a table's caption repeating its
    # section's heading would).
    names = [parser.name(label) for label in parser.regions]
    same = sorted({name for name in names if names.count(name) > 1})
    if same:
        problems.append(f"regions with the same name: {same}")
    named = {part for label in labels for part in label.split()}
    twice = sorted(i for i in named if parser.ids.count(i) > 1)
    if twice:
        problems.append(f"ids naming a region used twice: {twice}")
    return problems


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def english_messages() -> list[str]:
    """The catalogue's English sentences (three words or more) whose Swedish differs."""
    catalogue = polib.pofile(str(Path(settings.BASE_DIR) / "locale/sv/LC_MESSAGES/django.po"))
    return [
        entry.msgid
        for entry in catalogue
        if not entry.obsolete
        and not any(c in entry.msgid for c in "%{<\n")
        and len(entry.msgid.split()) >= 3
        and entry.msgstr
        and entry.msgstr != entry.msgid
    ]


class SwedishWordsTestCase(DemoStoryTestCase):
    with_strategies = True

    def setUp(self) -> None:
        self.client.force_login(User.objects.get(username="coordinator"))

    def forbidden_words(self) -> tuple[set[str], list[str]]:
        """Slugs and choice values that are not Swedish words, and the English texts of the
        reference data, which a Swedish page shows in Swedish."""
        slugs = {g.slug for g in Gate.objects.all()} | {
            c.slug for c in PriorityCriterion.objects.all()
        }
        slugs |= {p.slug for p in AgreementPrinciple.objects.all()}
        values: set[str] = set()
        for choices in (
            Inquiry.Status,
            Collaboration.Status,
            Need.Status,
            FundingApplication.Status,
            Agreement.Status,
            CollaborationKind,
        ):
            values |= set(choices.values)
        words = slugs | values | {s.replace("_", " ") for s in slugs}
        # Words the story's English inquiries use as themselves ("testing", "data
        # protection") are the inquiries' own words; "pilot" is Swedish too.
        english_topics = " ".join(t[1] + " " + t[2] for t in TOPICS if t[0] == "en").lower()
        words = {w for w in words if not re.search(rf"\b{w}\b", english_topics)} - {"pilot"}
        texts = [
            text
            for model, field in (
                (Gate, "text"),
                (PriorityCriterion, "text"),
                (AgreementPrinciple, "text"),
                (Committee, "name"),
                (Goal, "text"),
            )
            for text, swedish in model.objects.values_list(f"{field}_en", f"{field}_sv")
            if text and text != swedish and len(text.split()) >= 2
        ]
        return words, texts

    def test_no_swedish_page_shows_identifiers_slugs_or_english(self):
        self.maxDiff = None
        words, texts = self.forbidden_words()
        self.assertIn("non_exclusive", words)
        self.assertIn("several companies", words)
        self.assertIn("The collaboration is not exclusive", texts)
        messages = english_messages()
        word = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(words))) + r")\b")
        problems: list[str] = []
        tables = 0
        pages = self.pages()
        self.assertGreater(len(pages), 60)
        for path in pages:
            response = self.client.get(path)
            if response.status_code != 200:
                problems.append(f"{path}: {response.status_code}")
                continue
            html = response.content.decode()
            self.assertIn('<html lang="sv">', html)
            # Choosing several is a group of checkboxes, never a list box.
            self.assertNotRegex(html, r"<select[^>]*\smultiple", path)
            tables += html.count("<table")
            problems += [f"{path}: {p}" for p in table_problems(html)]
            # An empty choice says what it means ("All committees"), never Django's dashes.
            if ">---------<" in html:
                problems.append(f"{path}: an empty choice without words")
            text = visible_text(html)
            found = set(IDENTIFIER.findall(text)) | set(word.findall(text))
            found |= set(FORMULA_SLUG.findall(text))
            found |= {t for t in texts if t in text}
            found |= {m for m in messages if m in text}
            if found:
                problems.append(f"{path}: {sorted(found)[:6]}")
        self.assertEqual(problems, [])
        self.assertGreater(tables, 50)

    def test_english_pages_write_no_us_dates(self):
        us_date = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b")
        iso_date = re.compile(r"\b20\d\d-\d\d-\d\d\b")
        seen_dates = 0
        for path in self.pages():
            response = self.client.get(path, HTTP_ACCEPT_LANGUAGE="en")
            self.assertIn('<html lang="en">', response.content.decode())
            text = visible_text(response.content.decode())
            self.assertEqual(us_date.findall(text), [], path)
            seen_dates += len(iso_date.findall(text))
        self.assertGreater(seen_dates, 20)

    def test_the_sweep_sees_a_slug_when_there_is_one(self):
        words, _texts = self.forbidden_words()
        word = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(words))) + r")\b")
        shown = visible_text(
            "<main><p>Sällsynta diagnoser: not exclusive</p><p>2 × scalable + 1 × "
            "several_companies</p><p>Status: awaiting_info</p><script>x_y</script></main>"
        )
        self.assertEqual(IDENTIFIER.findall(shown), ["several_companies", "awaiting_info"])
        self.assertEqual(FORMULA_SLUG.findall(shown), ["× scalable", "× several_companies"])
        self.assertIn("scalable", word.findall(shown))
        self.assertNotIn("x_y", shown)

    def test_the_sweep_sees_a_table_outside_its_region(self):
        self.assertEqual(
            table_problems(
                '<div class="table-scroll" role="region" aria-labelledby="c" tabindex="0">'
                '<table><caption id="c">A</caption></table></div>'
            ),
            [],
        )
        self.assertEqual(len(table_problems("<main><table></table></main>")), 1)
        unnamed = '<div class="table-scroll" role="region" aria-labelledby="x" tabindex="0">'
        self.assertEqual(len(table_problems(unnamed + "<table></table></div>")), 1)
        twice = (
            '<section aria-labelledby="h"><h2 id="h">Parter</h2>'
            '<div class="table-scroll" role="region" aria-labelledby="c" tabindex="0">'
            '<table><caption id="c">Parter</caption></table></div></section>'
        )
        self.assertEqual(table_problems(twice), ["regions with the same name: ['Parter']"])
