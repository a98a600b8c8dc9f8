"""The effects dashboard in a real browser: plotly, served by the platform itself, draws
every chart from the JSON in the page; nothing comes from another origin (the page
fixture fails the test on any such request); axe-core finds no serious violation. Then
an annual report is asked for and the page follows the worker until it can be downloaded.
"""

import datetime
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from .conftest import Personas, assert_accessible, log_in, visit

pytestmark = pytest.mark.browser


def some_effects(personas: Personas) -> None:
    """A few inquiries and collaborations this year and last, so every chart has data."""
    from tests.test_effects import at, collaboration, company, funding, inquiry

    year = timezone.localdate().year
    other = company("Beta Bio AB")
    for month in (2, 5, 8):
        inquiry(
            personas.acme,
            at(year - 1, month, 3, 10),
            answered=at(year - 1, month, 5, 10),
            status="accepted",
            routed=(personas.rare,),
        )
        inquiry(other, at(year, month, 4, 10), answered=at(year, month, 25, 10), status="declined")
    work = collaboration(
        "Delad pilot",
        "pilot",
        "active",
        datetime.date(year - 1, 3, 1),
        None,
        at(year - 1, 2, 1),
        companies=(personas.acme, other),
        committees=(personas.rare,),
    )
    funding(
        work,
        "vinnova",
        "granted",
        "1000000",
        granted="750000",
        submitted=datetime.date(year - 1, 4, 1),
        decided=datetime.date(year - 1, 9, 1),
    )


def expect_charts_drawn(page: Page) -> None:
    charts = page.locator("main [data-chart]")
    expect(charts.first).to_be_visible()
    expect(page.locator("main [data-chart]:not([data-drawn])")).to_have_count(0)
    assert page.locator("main [data-chart] svg.main-svg").count() >= charts.count()


def test_the_dashboard_draws_its_charts_from_this_origin_and_is_accessible(
    page: Page, personas: Personas
) -> None:
    some_effects(personas)
    log_in(page, "alice")
    visit(page, "/effects/")
    expect_charts_drawn(page)
    # plotly drew the bars of the collaborations chart, from the locally served script.
    bars = page.locator("#indicator-collaborations [data-chart] svg.main-svg .bars path")
    assert bars.count() >= 1
    # Beside each chart, its figures as a table with a caption and header cells.
    table = page.locator("#indicator-inquiries_received table").first
    expect(table.locator("caption")).to_be_visible()
    expect(table.locator("th[scope=row]").first).to_be_visible()
    assert_accessible(page)

    # A preset period: the page comes back with last year's figures and its charts.
    page.locator("nav.presets a").nth(1).click()
    expect(page).to_have_url(re.compile(r"date_from=\d{4}-01-01"))
    expect_charts_drawn(page)
    assert_accessible(page)


def test_a_report_is_prepared_by_the_worker_while_the_page_follows_it(
    page: Page, personas: Personas
) -> None:
    some_effects(personas)
    log_in(page, "alice")
    visit(page, "/effects/reports/")
    form = page.locator("main form[method=post]")
    form.locator("[name=language]").select_option("en")
    form.locator("[name=format][value=xlsx]").check()
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/effects/reports/\d+/$"))
    status = page.locator("#report-status")
    expect(status).to_have_attribute("hx-trigger", "every 2s")
    assert_accessible(page)

    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)
    # The page asks every two seconds; once the report is ready, the download appears.
    download_link = page.locator("#report-status a.button")
    expect(download_link).to_be_visible(timeout=15_000)
    expect(page.locator("#report-status")).not_to_have_attribute("hx-trigger", "every 2s")
    with page.expect_download() as download:
        download_link.click()
    assert download.value.suggested_filename.endswith("-en.xlsx")
    assert_accessible(page)


OVERLAPS = """(chart) => {
  const boxes = (selector) => [...chart.querySelectorAll(selector)]
    .map((el) => el.getBoundingClientRect())
    .filter((box) => box.width > 0 && box.height > 0);
  const meet = (a, b) => a.left < b.right - 1 && b.left < a.right - 1
    && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  const found = [];
  for (const axis of ['.xtick text', '.ytick text']) {
    const ticks = boxes(axis);
    for (let i = 0; i < ticks.length; i += 1) {
      for (let j = i + 1; j < ticks.length; j += 1) {
        if (meet(ticks[i], ticks[j])) found.push(axis + ' ' + i + '/' + j);
      }
    }
  }
  const legend = boxes('.legend .traces text');
  for (const tick of boxes('.xtick text')) {
    if (legend.some((box) => meet(box, tick))) found.push('legend over a period label');
  }
  return {found, ticks: boxes('.xtick text').length};
}"""


@pytest.mark.parametrize("width", [390, 1280])
def test_axis_labels_never_overlap_and_few_cases_show_their_n(
    page: Page, personas: Personas, width: int
) -> None:
    some_effects(personas)
    log_in(page, "alice")
    page.set_viewport_size({"width": width, "height": 900})
    # Four years by quarter: sixteen periods along the bottom of every chart.
    year = timezone.localdate().year
    visit(page, f"/effects/?date_from={year - 3}-01-01&date_to={year}-12-31&interval=quarter")
    expect_charts_drawn(page)
    charts = page.locator("main [data-chart]")
    most_ticks = 0
    for index in range(charts.count()):
        facts = charts.nth(index).evaluate(OVERLAPS)
        assert facts["found"] == [], f"chart {index}: {facts['found']}"
        most_ticks = max(most_ticks, facts["ticks"])
    assert most_ticks >= 2
    # The share answered in time rests on a handful of inquiries: the table and the chart
    # say on how many.
    section = page.locator("#indicator-answered_in_time")
    expect(section.locator("td", has_text=re.compile(r"% \(n = \d\)")).first).to_be_visible()
    expect(section.locator(".table-note", has_text="n är antalet fall")).to_be_visible()
    assert section.locator("[data-chart] svg text", has_text=re.compile(r"n = \d")).count() >= 1
