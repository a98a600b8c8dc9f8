"""At a small phone's width and with scripts switched off, no page scrolls sideways: every
wide table scrolls inside the labelled region its template writes around it."""

from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from playwright.sync_api import Browser

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "demo story password"

FACTS = """() => {
  const overflow = document.documentElement.scrollWidth - window.innerWidth;
  const widest = [...document.querySelectorAll('body *')].filter((el) => {
    if (el.getBoundingClientRect().right <= window.innerWidth + 1) return false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return false;
    }
    return true;
  }).slice(0, 3).map((el) => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''));
  const tables = [...document.querySelectorAll('main table')];
  const unwrapped = tables.filter((t) => {
    const region = t.parentElement;
    return !(region.classList.contains('table-scroll') && region.getAttribute('role') === 'region'
      && region.getAttribute('tabindex') === '0' && region.getAttribute('aria-labelledby'));
  }).length;
  const scrolls = (t) => t.parentElement.scrollWidth > t.parentElement.clientWidth + 1;
  const scrolling = tables.filter(scrolls).length;
  return {overflow, widest, tables: tables.length, unwrapped, scrolling,
          scripted: document.documentElement.classList.contains('js')};
}"""


def _pages() -> list[str]:
    from samverkan.collaborations.models import Collaboration
    from samverkan.inquiries.models import Inquiry
    from samverkan.orgs.models import Organisation

    inquiry = Inquiry.objects.filter(assessments__isnull=False).order_by("pk").first()
    collaboration = Collaboration.objects.filter(status="completed").first()
    organisation = Organisation.objects.filter(kind="company").order_by("pk").first()
    assert inquiry and collaboration and organisation
    return [
        "/",
        "/inquiries/",
        inquiry.get_absolute_url(),
        "/collaborations/",
        collaboration.get_absolute_url(),
        "/collaborations/follow-ups/",
        "/organisations/",
        organisation.get_absolute_url(),
        "/strategy/",
        "/needs/coverage/",
        "/needs/mine/",
        "/register/",
        "/effects/",
        "/committees/",
        "/api/v1/docs",
    ]


@pytest.fixture
def demo(transactional_db: None) -> None:
    from django.core.cache import cache
    from django.core.management import call_command

    if connection.vendor != "sqlite":
        pytest.skip("the pages do not differ by database")
    cache.clear()
    call_command("load_reference", verbosity=0)
    call_command("load_strategies", verbosity=0)
    call_command("load_demo", password=DEMO_PASSWORD, verbosity=0)


def test_no_page_scrolls_sideways_at_320_px_without_scripts(
    browser: Browser, live_server: Any, demo: None
) -> None:
    from django.test import Client

    from samverkan.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="coordinator"))
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(
        base_url=live_server.url,
        locale="sv-SE",
        java_script_enabled=False,
        viewport={"width": 320, "height": 800},
    )
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    problems = []
    tables = scrolling = 0
    try:
        page = context.new_page()
        for path in _pages():
            response = page.goto(path)
            assert response is not None and response.status == 200, path
            facts = page.evaluate(FACTS)
            assert not facts["scripted"], "scripts ran"
            tables += facts["tables"]
            scrolling += facts["scrolling"]
            if facts["overflow"] > 0:
                problems.append(f"{path}: {facts['overflow']} px too wide ({facts['widest']})")
            if facts["unwrapped"]:
                problems.append(f"{path}: {facts['unwrapped']} table(s) outside a region")
    finally:
        context.close()
    assert problems == []
    # The check saw tables, and some of them were wide enough to scroll in their region.
    assert tables > 10
    assert scrolling > 0
