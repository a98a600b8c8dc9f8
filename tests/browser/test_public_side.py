"""The public side in a real browser: the transparency register with its export, and the
needs board, from a committee member writing a need to a company answering it.

Data the test is not about is set up through the domain actions. Asserted in English.
"""

import csv
import datetime
import io
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from .conftest import (
    Personas,
    assert_accessible,
    expect_message,
    follow_menu,
    label,
    log_in,
    log_out,
    switch_language,
    visit,
)

pytestmark = pytest.mark.browser

REFERENCE = re.compile(r"GMS-\d{4}-\d{5}")
SEQUENCING = "Helgenomsekvensering för nyfödda"
EDUCATION = "Utbildning i klinisk genomik"


def published_collaboration(
    personas: Personas, title: str, summary: str, committee: Any, start: datetime.date
) -> Any:
    """A collaboration with Acme and a GMS party, started: it enters the register's preview."""
    from samverkan.collaborations import actions
    from samverkan.collaborations.actions import do_record_collaboration_gates
    from samverkan.inquiries.models import Gate
    from samverkan.orgs.models import Organisation

    collaboration = actions.do_create_collaboration(
        personas.alice,
        actions.CollaborationData(
            title=title,
            kind="research",
            summary=summary,
            internal_notes="Intern anteckning",
            start_date=start,
            end_date=start + datetime.timedelta(days=365),
            committees=[committee],
        ),
    )
    actions.do_save_party(
        collaboration, personas.alice, actions.PartyData(personas.acme, "company")
    )
    actions.do_save_party(
        collaboration,
        personas.alice,
        actions.PartyData(Organisation.objects.get(name="Region Skåne"), "infrastructure_party"),
    )
    do_record_collaboration_gates(
        collaboration, personas.alice, {gate.pk: (True, "") for gate in Gate.objects.all()}
    )
    # Starting it is what sends it to the register's preview.
    actions.do_change_collaboration_status(collaboration, personas.alice, "active")
    return collaboration


def test_a_visitor_searches_the_register_and_downloads_the_matches(
    page: Page, personas: Personas
) -> None:
    from samverkan.orgs.models import Committee
    from samverkan.register.actions import publish_due_entries

    sequencing = published_collaboration(
        personas,
        SEQUENCING,
        "Snabb helgenomsekvensering av nyfödda med misstänkt sällsynt sjukdom.",
        personas.rare,
        datetime.date(2025, 3, 1),
    )
    education = published_collaboration(
        personas,
        EDUCATION,
        "Webbkurser i genomisk diagnostik för vårdpersonal.",
        Committee.objects.get(slug="education"),
        datetime.date(2024, 9, 1),
    )
    # The correction period is over: both entries are public.
    assert publish_due_entries(timezone.localdate() + datetime.timedelta(days=15)) == 2

    visit(page, "/")
    switch_language(page, "en")
    follow_menu(page, "Register")
    expect(page).to_have_url(re.compile(r"/register/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Transparency register")
    results = page.locator("#results")
    expect(results).to_contain_text("2 collaborations.")
    assert_accessible(page)

    # An inflected form that occurs in neither entry: "sekvenseringar" finds the entry
    # about "Helgenomsekvensering", and only that one.
    search = page.get_by_role("search", name="Search the register")
    search.get_by_label(label("Search")).fill("sekvenseringar")
    search.get_by_label(label("Search")).press("Enter")
    expect(page).to_have_url(re.compile(r"/register/\?(.*&)?q=sekvenseringar"))
    expect(results).to_contain_text("1 collaboration.")
    cards = results.locator("li.card")
    expect(cards).to_have_count(1)
    expect(cards.get_by_role("heading")).to_have_text(SEQUENCING)
    expect(cards).to_contain_text("Acme Genomik AB")
    expect(results.get_by_role("link", name=EDUCATION)).to_have_count(0)
    assert_accessible(page)

    # The CSV link carries the search: the file holds exactly the entry found.
    csv_link = results.get_by_role("link", name="CSV", exact=True)
    expect(csv_link).to_have_attribute("href", re.compile(r"q=sekvenseringar"))
    with page.expect_download() as download_info:
        csv_link.click()
    download = download_info.value
    assert download.suggested_filename == "samverkan-register.csv"
    path = download.path()
    assert path is not None
    with open(path, encoding="utf-8-sig", newline="") as handle:
        text = handle.read()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["title"] for row in rows] == [SEQUENCING]
    row = rows[0]
    assert row["id"] == str(sequencing.pk)
    assert row["companies"] == "Acme Genomik AB"
    assert row["infrastructure_parties"] == "Region Skåne"
    assert row["committees"] == "rare_diseases"
    assert row["start_date"] == "2025-03-01"
    assert row["url"].endswith(f"/register/{sequencing.pk}/")
    # What is confidential stays out of the export.
    assert "Intern anteckning" not in text
    assert str(education.pk) not in {r["id"] for r in rows}

    # The entry itself opens from the result.
    cards.get_by_role("link", name=SEQUENCING).click()
    expect(page).to_have_url(re.compile(rf"/register/{sequencing.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(SEQUENCING)
    assert_accessible(page)


def test_a_company_answers_a_published_need(page: Page, personas: Personas) -> None:
    from samverkan.inquiries.models import Inquiry
    from samverkan.needs.actions import NeedData, do_save_need

    need = do_save_need(
        personas.bob,
        NeedData(
            committee=personas.rare,
            title="Långläsningssekvensering av strukturella varianter",
            description="Vi söker en partner för långläsningssekvensering av patienter "
            "utan diagnos efter helgenomsekvensering.",
            kind="research",
            desired_partner="Företag med långläsningsteknik",
            status="published",
        ),
    )

    visit(page, "/")
    switch_language(page, "en")
    follow_menu(page, "Needs")
    expect(page).to_have_url(re.compile(r"/needs/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Our needs for industry collaboration"
    )
    assert_accessible(page)
    card = page.locator("#results li.card").filter(has=page.get_by_role("link", name=need.title))
    expect(card).to_contain_text("Rare diseases")
    card.get_by_role("link", name=need.title).click()
    expect(page).to_have_url(re.compile(rf"/needs/{need.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(need.title)
    expect(page.locator("main")).to_contain_text("Företag med långläsningsteknik")
    assert_accessible(page)

    page.get_by_role("link", name="Answer this need").click()
    expect(page).to_have_url(re.compile(rf"/inquiries/new/\?need={need.pk}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Send a collaboration inquiry")
    need_choice = page.get_by_label(label("Published need you answer"))
    expect(need_choice).to_have_value(str(need.pk))
    expect(need_choice.locator("option:checked")).to_have_text(need.title)
    assert_accessible(page)

    page.get_by_label(label("Organisation")).fill("Acme Genomik AB")
    page.get_by_label(label("Swedish organisation number")).fill(personas.acme_number)
    page.get_by_label(label("Contact person")).fill("Ada Lind")
    page.get_by_label(label("E-mail")).fill("ada@acme.example")
    page.get_by_label(label("Title of your proposal")).fill("Långläsning för odiagnostiserade")
    page.get_by_label(label("What do you propose?")).fill(
        "Vi erbjuder långläsningssekvensering för att hitta strukturella varianter."
    )
    page.get_by_role("group", name="Kind of collaboration").get_by_label("Research").check()
    page.get_by_label(
        label("I agree that GMS stores and processes this information to handle the inquiry")
    ).check()
    page.get_by_role("button", name="Send inquiry").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your inquiry")
    strong = page.locator("main .lead strong")
    expect(strong).to_have_text(REFERENCE)
    assert_accessible(page)

    inquiry = Inquiry.objects.get(reference=strong.inner_text())
    assert inquiry.need_id == need.pk
    assert inquiry.organisation_id == personas.acme.pk
    # Answering a need sends the inquiry to the need's committee.
    assert list(inquiry.requested_committees.all()) == [personas.rare]


def test_a_committee_member_publishes_a_need_on_the_board(page: Page, personas: Personas) -> None:
    from samverkan.needs.models import Need

    title = "Validering av AI-stöd för varianttolkning"
    visit(page, "/")
    switch_language(page, "en")

    # Bob writes the need as a draft, from his page of needs.
    log_in(page, "bob")
    follow_menu(page, "Write needs")
    expect(page).to_have_url(re.compile(r"/needs/mine/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Write and edit needs")
    assert_accessible(page)
    page.get_by_role("link", name="New need", exact=True).click()
    expect(page).to_have_url(re.compile(r"/needs/new/$"))
    assert_accessible(page)
    # His only committee is chosen for him.
    expect(page.get_by_label(label("Committee"))).to_have_value(personas.rare.slug)
    page.get_by_label(label("Title")).fill(title)
    page.get_by_label(label("Description")).fill(
        "Vi vill validera AI-baserat stöd för tolkning av varianter vid sällsynta sjukdomar."
    )
    page.get_by_label(label("Kind of collaboration")).select_option(
        label="Testing of methods or software"
    )
    page.get_by_label(label("Desired partner")).fill("Företag med AI-verktyg för genomik")
    expect(page.get_by_role("group", name="Status").get_by_label("Draft")).to_be_checked()
    page.get_by_role("button", name="Save the need").click()

    expect_message(page, "The need is saved.")
    need = Need.objects.get(title=title)
    expect(page).to_have_url(re.compile(rf"/needs/{need.pk}/$"))
    expect(page.locator("main h1 + p > .badge")).to_have_text("Draft")
    expect(page.locator("main")).to_contain_text("This need is a draft: companies do not see it.")
    assert_accessible(page)

    # ... and publishes it.
    page.get_by_role("button", name="Publish", exact=True).click()
    expect_message(page, "The need is now “Published”.")
    # Published and nothing answering it yet: open.
    expect(page.locator("main h1 + p > .badge")).to_have_text("Open")
    expect(page.get_by_role("link", name="Answer this need")).to_be_visible()
    assert_accessible(page)
    need.refresh_from_db()
    assert need.status == "published" and need.published_at is not None

    # His page of needs lists it as published, open for an answer.
    page.get_by_role("link", name="Write and edit needs").first.click()
    expect(page).to_have_url(re.compile(r"/needs/mine/$"))
    row = page.locator("#results tbody tr").filter(has=page.get_by_role("link", name=title))
    expect(row.locator(".badge")).to_have_text("Open")
    assert_accessible(page)
    log_out(page)

    # A visitor finds it on the public board.
    follow_menu(page, "Needs")
    expect(page).to_have_url(re.compile(r"/needs/$"))
    card = page.locator("#results li.card").filter(has=page.get_by_role("link", name=title))
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Rare diseases")
    expect(card).to_contain_text("Testing of methods or software")
    assert_accessible(page)
    card.get_by_role("link", name=title).click()
    expect(page).to_have_url(re.compile(rf"/needs/{need.pk}/$"))
    expect(page.get_by_role("link", name="Answer this need")).to_be_visible()
    assert_accessible(page)
