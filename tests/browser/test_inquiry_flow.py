"""The inquiry workflow in a real browser, from the public form to the company's decision.

The Swedish run finds fields by their names and checks structure only (the Swedish
catalogue may lag behind); everything after the language switch is asserted in English.
"""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Locator, Page, expect

from .conftest import Personas, assert_accessible, log_in, log_out, switch_language, visit

pytestmark = pytest.mark.browser

REFERENCE = re.compile(r"GMS-\d{4}-\d{5}")


def open_intake_from_home(page: Page) -> None:
    visit(page, "/")
    page.locator("main a[href='/inquiries/new/']").first.click()
    expect(page).to_have_url(re.compile(r"/inquiries/new/$"))
    assert_accessible(page)


def reference_on_thanks_page(page: Page) -> str:
    expect(page.locator("main h1")).to_be_visible()
    assert_accessible(page)
    strong = page.locator("main .lead strong")
    expect(strong).to_have_text(REFERENCE)
    return strong.inner_text()


def submit_in_swedish(page: Page, organisation_number: str) -> str:
    """Fill the form by field names, in whatever the Swedish labels say, and send it."""
    open_intake_from_home(page)
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    form = page.locator("form.intake")
    form.locator("[name=organisation_name]").fill("Acme Genomik AB")
    form.locator("[name=organisation_number]").fill(organisation_number)
    form.locator("[name=contact_name]").fill("Ada Lind")
    form.locator("[name=contact_email]").fill("ada@acme.example")
    form.locator("[name=title]").fill("Helgenomsekvensering för sällsynta sjukdomar")
    form.locator("[name=description]").fill(
        "Vi vill testa snabb helgenomsekvensering för nyfödda med sällsynta sjukdomar "
        "och dela varianttolkning."
    )
    form.locator("[name=kinds][value=research]").check()
    form.locator("[name=kinds][value=pilot]").check()
    form.locator("[name=resources_offered]").fill("Två bioinformatiker")
    form.locator("[name=mutual_benefit]").fill("Snabbare diagnos")
    form.locator("[name=operations_in_sweden]").check()
    form.locator("[name=consent]").check()
    form.locator("button[type=submit]").click()
    reference = reference_on_thanks_page(page)
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    return reference


def label(text: str) -> re.Pattern[str]:
    """A field's label exactly, with or without a colon and the required marker."""
    return re.compile(rf"^\s*{re.escape(text)}:?\s*\*?\s*$")


def inquiry_row(page: Page, reference: str) -> Locator:
    return page.locator("#queue tbody tr").filter(has=page.get_by_role("link", name=reference))


def test_an_english_speaking_company_sends_an_inquiry(page: Page, personas: Personas) -> None:
    visit(page, "/")
    switch_language(page, "en")
    open_intake_from_home(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Send a collaboration inquiry")

    page.get_by_label(label("Organisation")).fill("Nordic Sequencing ApS")
    page.get_by_label(label("Foreign identifier")).fill("DK12345678")
    page.get_by_label(label("Country")).select_option("DK")
    page.get_by_label(label("Contact person")).fill("Mads Holm")
    page.get_by_label(label("E-mail")).fill("mads@nordic.example")
    page.get_by_label(label("Title of your proposal")).fill(
        "Long-read sequencing for rare diseases"
    )
    page.get_by_label(label("What do you propose?")).fill(
        "We offer long-read sequencing to resolve structural variants in undiagnosed patients."
    )
    kinds = page.get_by_role("group", name="Kind of collaboration")
    kinds.get_by_label("Research").check()
    kinds.get_by_label("Testing of methods or software").check()
    page.get_by_label(label("The benefit for both parties")).fill(
        "Faster diagnosis, validated method"
    )
    page.get_by_label(
        label("I agree that GMS stores and processes this information to handle the inquiry")
    ).check()
    page.get_by_role("button", name="Send inquiry").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your inquiry")
    reference = reference_on_thanks_page(page)
    expect(page.locator("main")).to_contain_text(
        "We have sent a confirmation to mads@nordic.example"
    )

    from samverkan.inquiries.models import Inquiry

    inquiry = Inquiry.objects.get(reference=reference)
    assert inquiry.language == "en"
    assert (inquiry.country, inquiry.foreign_identifier) == ("DK", "DK12345678")
    assert inquiry.kinds == ["research", "testing"]


def test_an_inquiry_goes_from_the_public_form_to_an_accepted_collaboration(
    page: Page, personas: Personas
) -> None:
    from samverkan.inquiries.models import Inquiry, PriorityCriterion

    # 1. A company with no account sends an inquiry in Swedish.
    reference = submit_in_swedish(page, personas.acme_number)
    inquiry = Inquiry.objects.get(reference=reference)
    assert inquiry.language == "sv"
    assert inquiry.organisation_id == personas.acme.pk
    detail_url = re.compile(rf"/inquiries/{inquiry.pk}/$")

    # From here on the staff work in English, the only language asserted on.
    switch_language(page, "en")

    # 2. The coordinator takes the inquiry and routes it to the rare-diseases committee.
    log_in(page, "alice")
    row = inquiry_row(page, reference)
    expect(row).to_contain_text("Received")
    row.get_by_role("link", name=reference).click()
    expect(page).to_have_url(detail_url)
    assert_accessible(page)

    page.get_by_role("button", name="Assign to me").click()
    expect(page.get_by_role("status")).to_contain_text("The inquiry is assigned to you.")
    expect(page.locator("main")).to_contain_text("Assigned to: alice")
    expect(page.locator("main .badge")).to_have_text("In triage")
    assert_accessible(page)

    route_form = page.locator("form[action$='/route/']")
    committees = route_form.get_by_role("group", name="Committees")
    for box in committees.get_by_role("checkbox").all():
        box.uncheck()  # the suggestions come pre-ticked: route to exactly one committee
    committees.get_by_label(label("Rare diseases")).check()
    route_form.get_by_role("button", name="Route").click()
    expect(page.get_by_role("status")).to_contain_text("The inquiry is routed.")
    expect(page.locator("main .badge")).to_have_text("In assessment")
    routing = page.locator("aside section").filter(has=page.get_by_role("heading", name="Routing"))
    expect(routing.get_by_role("listitem")).to_have_count(1)
    expect(routing.get_by_role("listitem")).to_contain_text("Rare diseases")
    assert_accessible(page)
    log_out(page)

    # 3. The committee member assesses it: every gate met, every criterion scored.
    log_in(page, "bob")
    inquiry_row(page, reference).get_by_role("link", name=reference).click()
    expect(page).to_have_url(detail_url)
    assert_accessible(page)
    page.get_by_role("link", name="Assess for Rare diseases").click()
    expect(page).to_have_url(re.compile(rf"/inquiries/{inquiry.pk}/assess/rare_diseases/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Assessment for Rare diseases")
    assert_accessible(page)

    gates = page.locator("input[type=radio][name^=gate_][value=yes]")
    assert gates.count() == 4
    for gate in gates.all():
        gate.check()
    criteria = list(PriorityCriterion.objects.order_by("order", "slug"))
    scores = {c.slug: (c.max_score if i == 0 else 2) for i, c in enumerate(criteria)}
    for criterion in criteria:
        group = page.get_by_role("group", name=criterion.text_en)
        # Each level carries its meaning from the reference data: "3 – To a very large extent".
        group.get_by_label(re.compile(rf"^\s*{scores[criterion.slug]} – \w")).check()
    page.get_by_role("group", name="The committee recommends").get_by_label("Accept").check()
    page.get_by_role("button", name="Save assessment").click()

    expect(page).to_have_url(detail_url)
    expect(page.get_by_role("status")).to_contain_text("The assessment is saved.")
    achieved = sum(c.weight * scores[c.slug] for c in criteria)
    possible = sum(c.weight * c.max_score for c in criteria)
    priority = (100 * achieved / possible).quantize(Decimal("0.1"))
    expect(page.get_by_role("heading", name=f"Rare diseases · priority {priority}")).to_be_visible()
    assert_accessible(page)
    log_out(page)

    # 4. The coordinator accepts it.
    log_in(page, "alice")
    row = inquiry_row(page, reference)
    expect(row.locator(".badge")).to_have_text("In assessment")
    row.get_by_role("link", name=reference).click()
    expect(page).to_have_url(detail_url)
    expect(page.get_by_role("heading", name="Rare diseases · priority")).to_be_visible()
    expect(page.locator("#recommendations")).to_contain_text("Rare diseases: Accept")
    expect(page.locator("#decides-next")).to_contain_text("decides next")
    assert_accessible(page)
    decision_form = page.locator("form[action$='/decide/']")
    decision_form.get_by_label(label("Accepted")).check()
    decision_form.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("status")).to_contain_text("The decision is recorded.")
    expect(page.locator("main .badge")).to_have_text("Accepted")
    assert_accessible(page)
    log_out(page)

    # 5. The company's own user finds it accepted among its inquiries.
    log_in(page, "carol")
    expect(page).to_have_url(re.compile(r"/account/$"))
    visit(page, "/inquiries/")
    # A company user's list shows every inquiry of the organisation, decided ones too.
    row = inquiry_row(page, reference)
    expect(row.locator(".badge")).to_have_text("Accepted")
    assert_accessible(page)
    row.get_by_role("link", name=reference).click()
    expect(page).to_have_url(detail_url)
    expect(page.locator("main .badge")).to_have_text("Accepted")
    assert_accessible(page)
