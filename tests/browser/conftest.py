"""Browser tests: Debian's chromium driven by Playwright against pytest-django's live server.

One browser per test session, a fresh context (cookies, storage) per test. Every page a
test visits is checked with axe-core; no request may leave the live server's origin, and
no response may be a server error nor any script fail.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Error,
    Page,
    Request,
    Response,
    expect,
    sync_playwright,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PASSWORD = "correct horse battery staple"
BLOCKING_IMPACTS = {"serious", "critical"}
# Playwright waits this long (ms) for an element or a navigation before it fails a test.
TIMEOUT_MS = 10_000

_axe = Axe()


# --- The browser --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Browser, live_server: Any) -> Iterator[BrowserContext]:
    # A Swedish browser: the site must come up in Swedish without a language prefix.
    context = browser.new_context(base_url=live_server.url, locale="sv-SE")
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    yield context
    context.close()


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


@pytest.fixture
def page(context: BrowserContext, live_server: Any) -> Iterator[Page]:
    """A page that fails its test on any request to another origin (data: URLs aside),
    any server error and any uncaught script error."""
    page = context.new_page()
    origin = _origin(live_server.url)
    problems: list[str] = []

    def check_origin(request: Request) -> None:
        if request.url.startswith("data:"):
            return
        if _origin(request.url) != origin:
            problems.append(f"request to another origin: {request.method} {request.url}")

    def check_status(response: Response) -> None:
        if response.status >= 500:
            problems.append(f"server error {response.status}: {response.url}")

    def check_script(error: Error) -> None:
        problems.append(f"uncaught script error on {page.url}: {error}")

    page.on("request", check_origin)
    page.on("response", check_status)
    page.on("pageerror", check_script)
    yield page
    page.close()
    if problems:
        pytest.fail(
            f"The browser saw problems (live server {live_server.url}):\n  "
            + "\n  ".join(problems),
            pytrace=False,
        )


# --- Accessibility ------------------------------------------------------------------------


def _describe(violation: dict[str, Any]) -> str:
    targets = [
        " ".join(str(t) for t in node.get("target", [])) for node in violation.get("nodes", [])
    ]
    lines = [
        f"- [{violation.get('impact')}] {violation.get('id')}: {violation.get('help')}",
        f"  {violation.get('helpUrl', '')}",
    ]
    lines += [f"    at {target}" for target in targets[:10]]
    if len(targets) > 10:
        lines.append(f"    … and {len(targets) - 10} more")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """Fail on any serious or critical axe-core violation on the page as it is now."""
    page.wait_for_load_state("load")
    results = _axe.run(page)
    violations = [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    if violations:
        pytest.fail(
            f"axe-core found {len(violations)} serious or critical violation(s) on "
            f"{page.url}:\n" + "\n".join(_describe(v) for v in violations),
            pytrace=False,
        )


def visit(page: Page, path: str) -> None:
    """Open a page, check that it answered 200 and that it is accessible."""
    response = page.goto(path)
    assert response is not None and response.status == 200, (
        f"GET {path} answered {response.status if response else 'nothing'}"
    )
    assert_accessible(page)


# --- People and their organisations -------------------------------------------------------


@dataclass
class Personas:
    alice: Any  # coordinator
    bob: Any  # committee member of rare_diseases
    carol: Any  # company user at Acme Genomik AB
    acme: Any
    rare: Any
    acme_number: str


@pytest.fixture
def personas(transactional_db: None) -> Personas:
    """The reference data and the named personas of samverkan/test.py, in the live database."""
    from allauth.account.models import EmailAddress
    from django.core.cache import cache

    from samverkan.accounts.models import Role, User
    from samverkan.lib.orgnr import with_check_digit
    from samverkan.orgs.models import Committee, Organisation
    from samverkan.reference.loader import load_reference

    cache.clear()  # rate-limit counters live in the shared database cache
    load_reference()
    acme_number = with_check_digit("556677889")
    acme = Organisation.objects.create(name="Acme Genomik AB", organisation_number=acme_number)
    rare = Committee.objects.get(slug="rare_diseases")

    def user(username: str, role: str, **extra: Any) -> Any:
        email = f"{username}@example.org"
        person = User(username=username, role=role, email=email, **extra)
        person.set_password(PASSWORD)
        person.save()
        # ACCOUNT_EMAIL_VERIFICATION is "mandatory": without a verified address allauth
        # answers a login with "Verify your e-mail address" instead of logging in.
        EmailAddress.objects.create(user=person, email=email, verified=True, primary=True)
        return person

    alice = user("alice", Role.COORDINATOR)
    bob = user("bob", Role.COMMITTEE)
    carol = user("carol", Role.COMPANY, organisation=acme)
    rare.members.add(bob)
    return Personas(
        alice=alice, bob=bob, carol=carol, acme=acme, rare=rare, acme_number=acme_number
    )


# --- Steps shared by the tests ------------------------------------------------------------


def log_in(page: Page, username: str) -> None:
    """Log in through the real allauth page; the login lands on the person's own work:
    the inquiry queue, or a company user's organisation page."""
    visit(page, "/accounts/login/")
    form = page.locator("main form").filter(has=page.locator("input[name=password]"))
    form.locator("input[name=login]").fill(username)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/(inquiries|account)/$"))
    assert_accessible(page)


def log_out(page: Page) -> None:
    page.locator("header form[action='/accounts/logout/'] button[type=submit]").click()
    expect(page.locator("header a[href='/accounts/login/']")).to_be_visible()
    assert_accessible(page)


def switch_language(page: Page, code: str) -> None:
    """Press the header's language button, as a visitor would."""
    page.locator(f"header button[name=language][value={code}]").click()
    expect(page.locator("html")).to_have_attribute("lang", code)
    assert_accessible(page)


# --- Helpers for the collaboration and public-side tests ----------------------------------


@pytest.fixture
def media_root(settings: Any, tmp_path: Any) -> Any:
    """Uploaded files go to a temporary folder, not var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def label(text: str) -> re.Pattern[str]:
    """A field's label exactly, with or without a colon and the required marker."""
    return re.compile(rf"^\s*{re.escape(text)}:?\s*\*?\s*$")


def expect_message(page: Page, text: str) -> None:
    """The page shows a flash message (the base template's status region) with this text."""
    expect(page.get_by_role("status")).to_contain_text(text)


def follow_menu(page: Page, name: str) -> None:
    """Open a page from the main menu as a visitor on a wide screen would: the tab of the
    link's group, then the link in the row below (a group of one link is its own tab)."""
    link = page.get_by_role("link", name=name, exact=True, include_hidden=True)
    group = page.locator("#site-nav li.nav-group").filter(has=link).first
    tab = group.locator("a.nav-group-link, a.nav-single").first
    href = tab.get_attribute("href") or ""
    tab.click()
    # The row below belongs to the page the tab opens: wait for it before looking.
    page.wait_for_url(re.compile(re.escape(href) + r"(\?.*)?$"))
    row = page.locator("nav.subnav").get_by_role("link", name=name, exact=True)
    if row.count():
        row.click()
