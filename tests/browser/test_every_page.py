"""Every page of the README's table, for every demo role, at a phone's width and a
desktop's, in Swedish and in English: no page wider than the screen, the site's landmarks
and one h1, no axe-core violation of any impact, and no English message or code identifier
left on a Swedish page.

One browser, one context per role and language (logged in once, by session cookie), the
demo story as data. axe-core runs on every page at both widths and in both languages
(Swedish at 390 px, English at 1280 px); the pages every role sees alike, for the
anonymous visitor only. SQLite only: the pages do not differ by
database, and the suite runs on both.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polib
import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.db import connection
from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

WIDTHS = (390, 1280)
LANGUAGES = ("sv", "en")
DEMO_PASSWORD = "demo story password"
ANYONE = ("anon", "coordinator", "committee", "company", "viewer", "admin")
LOGGED_IN = ANYONE[1:]
_axe = Axe()


@dataclass
class Sweep:
    """What the sweep found, reported all at once at the end."""

    problems: list[str] = field(default_factory=list)
    axe_done: set[tuple[str, str, int, str]] = field(default_factory=set)

    def add(self, where: str, problem: str) -> None:
        self.problems.append(f"{where}: {problem}")


def _english_messages() -> list[str]:
    """English source strings of the catalogue whose Swedish differs: seen on a Swedish
    page, they are text the page forgot to translate. Short ones (a word or two) are
    left out, since names and codes can match them by chance."""
    catalogue = polib.pofile(str(Path(settings.BASE_DIR) / "locale/sv/LC_MESSAGES/django.po"))
    messages = []
    for entry in catalogue:
        text = entry.msgid
        if entry.obsolete or "%" in text or "{" in text or "<" in text or "\n" in text:
            continue
        if len(text.split()) >= 3 and entry.msgstr and entry.msgstr != text:
            messages.append(text)
    return messages


# A code identifier shown as text: several_companies, not_exclusive.
IDENTIFIER = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")

PAGE_FACTS = """(withText) => {
  const doc = document.documentElement;
  const overflow = doc.scrollWidth - window.innerWidth;
  const widest = () => [...document.querySelectorAll('body *')].filter((el) => {
    if (el.getBoundingClientRect().right <= window.innerWidth + 1) return false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return false;
    }
    return true;
  }).slice(0, 3).map((el) => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''));
  // The page's own words: not code, not form values, not parts marked as another language.
  const visibleText = () => {
    const clone = document.body.cloneNode(true);
    clone.querySelectorAll(
      'script, style, code, pre, input, textarea, select, [hidden], [lang]:not([lang="' +
      doc.lang + '"])'
    ).forEach((n) => n.remove());
    return clone.textContent || '';
  };
  return {
    overflow: overflow,
    widest: overflow > 0 ? widest() : [],
    lang: doc.getAttribute('lang'),
    main: document.querySelectorAll('main').length,
    banner: document.querySelectorAll('body > header').length,
    contentinfo: document.querySelectorAll('body > footer').length,
    h1: document.querySelectorAll('h1').length,
    text: withText ? visibleText() : '',
  };
}"""

# Pages that look alike for every role (only the menu differs, and it is checked on every
# role's other pages): axe-core checks them for the anonymous visitor only.
SHARED = {"home", "intake", "needs", "committees", "register", "strategy", "api docs", "not found"}


def pages_for(role: str) -> list[tuple[str, str]]:
    """(name, address) of every page in the README's table this role may open, with the
    records picked from the demo story as that role would find them."""
    from samverkan.accounts.models import User
    from samverkan.collaborations.models import Collaboration
    from samverkan.inquiries.models import Inquiry

    pages = [
        ("home", "/"),
        ("intake", "/inquiries/new/"),
        ("needs", "/needs/"),
        ("committees", "/committees/"),
        ("register", "/register/"),
        ("strategy", "/strategy/"),
        ("api docs", "/api/v1/docs"),
        ("not found", "/no-such-page/"),
    ]
    if role == "anon":
        inquiry = Inquiry.objects.order_by("pk").first()
        assert inquiry is not None
        return [
            *pages,
            ("sender", f"/inquiries/s/{inquiry.sender_token}/"),
            ("login", "/accounts/login/"),
            ("sign-up", "/accounts/signup/"),
            ("password reset", "/accounts/password/reset/"),
        ]
    user = User.objects.get(username=role)
    pages += [
        ("queue", "/inquiries/"),
        ("notifications", "/notifications/"),
        ("tokens", "/settings/tokens/"),
        ("collaborations", "/collaborations/"),
    ]
    inquiry = Inquiry.objects.visible_to(user).order_by("-pk").first()
    if inquiry is not None:
        pages.append(("inquiry", f"/inquiries/{inquiry.pk}/"))
    collaboration = Collaboration.objects.visible_to(user).order_by("pk").first()
    if collaboration is not None:
        pages.append(("collaboration", f"/collaborations/{collaboration.pk}/"))
    if role in ("committee", "coordinator", "admin"):
        pages.append(("write needs", "/needs/mine/"))
    if role != "company":
        pages += [("needs coverage", "/needs/coverage/"), ("organisations", "/organisations/")]
    if role in ("coordinator", "admin"):
        pages += [
            ("follow-ups", "/collaborations/follow-ups/"),
            ("lessons", "/collaborations/lessons/"),
            ("privacy", "/privacy/"),
            ("link requests", "/account/link-requests/"),
        ]
    if role in ("coordinator", "viewer", "admin"):
        pages.append(("effects", "/effects/"))
    if role == "company":
        pages += [("account", "/account/"), ("forbidden", "/effects/")]
    if role == "admin":
        pages.append(("admin", "/admin/"))
    return pages


EXPECTED_STATUS = {"not found": 404, "forbidden": 403}


@pytest.fixture
def demo(transactional_db: None) -> None:
    from django.core.cache import cache
    from django.core.management import call_command

    if connection.vendor != "sqlite":
        pytest.skip("the sweep runs on SQLite; the pages do not differ by database")
    cache.clear()
    call_command("load_reference", verbosity=0)
    call_command("load_strategies", verbosity=0)
    call_command("load_demo", password=DEMO_PASSWORD, verbosity=0)


def _session_cookie(username: str) -> str:
    from django.test import Client

    from samverkan.accounts.models import User

    client = Client()
    client.force_login(
        User.objects.get(username=username), backend="django.contrib.auth.backends.ModelBackend"
    )
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _sweep_role(browser: Browser, base_url: str, role: str, sweep: Sweep) -> None:
    english = _english_messages()
    pages = pages_for(role)
    session = None if role == "anon" else _session_cookie(role)
    for language in LANGUAGES:
        context = browser.new_context(base_url=base_url, locale="sv-SE")
        cookies: list[Any] = [
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base_url}
        ]
        if session:
            cookies.append(
                {"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base_url}
            )
        context.add_cookies(cookies)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
        try:
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                for name, path in pages:
                    _check_page(page, role, language, width, name, path, english, sweep)
        finally:
            context.close()
        for error in errors:
            sweep.add(f"{role}/{language}", f"script error: {error}")


def _check_page(
    page: Page,
    role: str,
    language: str,
    width: int,
    name: str,
    path: str,
    english: list[str],
    sweep: Sweep,
) -> None:
    where = f"{role} {language} {width}px {path}"
    response = page.goto(path)
    expected = EXPECTED_STATUS.get(name, 200)
    if response is None or response.status != expected:
        sweep.add(where, f"answered {response.status if response else None}, not {expected}")
        return
    facts = page.evaluate(PAGE_FACTS, language == "sv" and name != "admin")
    if facts["overflow"] > 0:
        sweep.add(where, f"{facts['overflow']} px wider than the screen ({facts['widest']})")
    if facts["lang"] != language:
        sweep.add(where, f"lang is {facts['lang']!r}")
    if name != "admin":
        if facts["main"] != 1 or facts["banner"] != 1 or facts["contentinfo"] != 1:
            sweep.add(where, "landmarks missing: one header, main and footer expected")
        if facts["h1"] != 1:
            sweep.add(where, f"{facts['h1']} h1 headings")
    if language == "sv" and name != "admin":
        text = facts["text"]
        left = [message for message in english if message in text]
        if left:
            sweep.add(where, f"English on a Swedish page: {left[:5]}")
        identifiers = sorted(set(IDENTIFIER.findall(text)))
        if identifiers:
            sweep.add(where, f"identifiers shown as text: {identifiers[:5]}")
    # Every page once at each width and once in each language: Swedish on the phone,
    # English on the desktop.
    if (language, width) not in {("sv", min(WIDTHS)), ("en", max(WIDTHS))}:
        return
    if name in SHARED and role != "anon":
        return
    key = (role, name, width, language)
    if key not in sweep.axe_done:
        sweep.axe_done.add(key)
        for violation in _axe.run(page).response["violations"]:
            targets = [" ".join(map(str, n.get("target", []))) for n in violation["nodes"][:3]]
            sweep.add(where, f"axe {violation['impact']} {violation['id']} at {targets}")


@pytest.fixture
def sweep() -> Iterator[Sweep]:
    found = Sweep()
    yield found
    if found.problems:
        pytest.fail(
            f"{len(found.problems)} problem(s):\n  " + "\n  ".join(found.problems), pytrace=False
        )


@pytest.mark.parametrize("role", ANYONE)
def test_every_page_for_every_role_width_and_language(
    browser: Browser, live_server: Any, demo: None, sweep: Sweep, role: str
) -> None:
    _sweep_role(browser, live_server.url, role, sweep)
