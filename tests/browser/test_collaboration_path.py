"""From an accepted inquiry to a completed collaboration, in a real browser.

The inquiry is accepted through the domain actions (the inquiry flow has its own test);
from there the coordinator and the company's user do everything on the pages: dates, a
GMS party, a signed agreement with its document, a press release approved by every party,
the start, the final follow-up and the completion. Asserted in English.
"""

import datetime
import re
from typing import Any

import pytest
from django.utils import formats, timezone, translation
from playwright.sync_api import Locator, Page, expect

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

TITLE = "Helgenomsekvensering för sällsynta sjukdomar"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PRESS_RELEASE = "GMS och Acme sekvenserar nyfödda"


def accepted_inquiry(personas: Personas) -> Any:
    """An inquiry routed, assessed and accepted through the actions: the acceptance
    creates the collaboration (create_from_inquiry), with Acme as its company."""
    from samverkan.inquiries import actions
    from samverkan.inquiries.models import Gate, PriorityCriterion
    from samverkan.test import submit_inquiry

    inquiry = submit_inquiry(title=TITLE)
    actions.do_route_inquiry(inquiry, personas.alice, [personas.rare])
    actions.do_save_assessment(
        inquiry,
        personas.rare,
        personas.bob,
        actions.AssessmentInput(
            gates={gate.pk: (True, "") for gate in Gate.objects.all()},
            scores={criterion.pk: 2 for criterion in PriorityCriterion.objects.all()},
        ),
    )
    inquiry.refresh_from_db()
    return actions.do_decide_inquiry(inquiry, personas.alice, "accepted")


def short_date(day: datetime.date) -> str:
    """A date as the English pages show it."""
    with translation.override("en"):
        return formats.date_format(day, "SHORT_DATE_FORMAT")


def status_badge(page: Page) -> Locator:
    """The badge beside a page's heading: the status of what the page is about."""
    return page.locator("main h1 + p > .badge")


def open_collaboration_from_list(page: Page, pk: int) -> None:
    follow_menu(page, "Collaborations")
    expect(page).to_have_url(re.compile(r"/collaborations/$"))
    assert_accessible(page)
    row = page.locator("#results tbody tr").filter(has=page.get_by_role("link", name=TITLE))
    row.get_by_role("link", name=TITLE).click()
    expect(page).to_have_url(re.compile(rf"/collaborations/{pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    assert_accessible(page)


def change_collaboration_status(page: Page, status: str) -> None:
    form = page.locator("form[action$='/status/']")
    form.get_by_label(label("New status")).select_option(label=status)
    form.get_by_role("button", name="Change status").click()


def test_an_accepted_inquiry_becomes_a_completed_collaboration(
    page: Page, personas: Personas, media_root: Any
) -> None:
    from samverkan.agreements.models import Agreement, AgreementPrinciple
    from samverkan.collaborations.models import Collaboration, CommunicationActivity, FollowUp

    inquiry = accepted_inquiry(personas)
    collaboration = Collaboration.objects.get(inquiry=inquiry)
    detail_url = re.compile(rf"/collaborations/{collaboration.pk}/$")
    today = timezone.localdate()
    start = today - datetime.timedelta(days=400)
    end = today - datetime.timedelta(days=45)  # the final follow-up fell due 15 days ago

    visit(page, "/")
    switch_language(page, "en")

    # 1. The coordinator finds the new collaboration, planned, with the company as a party.
    log_in(page, "alice")
    open_collaboration_from_list(page, collaboration.pk)
    expect(status_badge(page)).to_have_text("Planned")
    parties = page.get_by_role("table", name="The parties and their roles")
    expect(parties.locator("tbody tr")).to_have_count(1)
    expect(parties.locator("tbody tr")).to_contain_text("Acme Genomik AB")
    expect(page.get_by_role("link", name=inquiry.reference)).to_be_visible()

    # 2. Gives the dates: the collaboration started and ended in the past.
    page.locator("main h1 + p").get_by_role("link", name="Edit", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/collaborations/{collaboration.pk}/edit/$"))
    assert_accessible(page)
    page.get_by_label(label("Start date")).fill(start.isoformat())
    page.get_by_label(label("End date")).fill(end.isoformat())
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page).to_have_url(detail_url)
    expect_message(page, "The collaboration is saved.")
    about = page.get_by_role("region", name="The collaboration")
    expect(about).to_contain_text(f"{short_date(start)} – {short_date(end)}")
    assert_accessible(page)

    # 3. Adds Region Skåne as a GMS party; coordinators approve for it.
    page.get_by_role("link", name="Add a party").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a party")
    assert_accessible(page)
    page.get_by_label(label("Organisation")).select_option(label="Region Skåne")
    page.get_by_label(label("Role")).select_option(label="Infrastructure party")
    page.get_by_label(label("Role in the project")).fill("Sekvensering och tolkning")
    page.get_by_role("button", name="Add party").click()
    expect(page).to_have_url(detail_url)
    expect_message(page, "The party is added.")
    rows = page.get_by_role("table", name="The parties and their roles").locator("tbody tr")
    expect(rows).to_have_count(2)
    skane = rows.filter(has_text="Region Skåne")
    expect(skane).to_contain_text("Infrastructure party")
    expect(skane).to_contain_text("Sekvensering och tolkning")
    assert_accessible(page)

    # 4. Drafts the agreement between both parties ...
    page.get_by_role("link", name="New agreement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New agreement")
    assert_accessible(page)
    page.get_by_label(label("Kind")).select_option(label="Collaboration agreement")
    page.get_by_label(label("Title")).fill("Samarbetsavtal om nyföddsekvensering")
    party_choices = page.get_by_role("group", name="Parties")
    party_choices.get_by_label("Acme Genomik AB").check()
    party_choices.get_by_label("Region Skåne").check()
    page.get_by_role("button", name="Create agreement").click()
    expect_message(page, "The agreement is created.")
    agreement = Agreement.objects.get(collaboration=collaboration)
    expect(page).to_have_url(
        re.compile(rf"/collaborations/{collaboration.pk}/agreements/{agreement.pk}/$")
    )
    expect(status_badge(page)).to_have_text("Draft")
    expect(page.locator("main dl.facts")).to_contain_text("Acme Genomik AB, Region Skåne")
    assert_accessible(page)

    # ... uploads the signed PDF ...
    page.get_by_role("link", name="Upload the document").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Upload the document")
    assert_accessible(page)
    page.get_by_label(label("Document")).set_input_files(
        {"name": "avtal.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Upload").click()
    expect_message(page, "Version 1 of the document is stored.")
    expect(page.get_by_role("link", name="avtal.pdf")).to_be_visible()
    document = agreement.documents.get()
    assert document.file.read() == PDF
    assert document.content_type == "application/pdf"
    assert_accessible(page)

    # ... answers the principle checklist, which the signing form asks for up front ...
    expect(page.locator("#signing-blockers")).to_contain_text("Answer the principle")
    page.get_by_role("link", name="Answer the checklist").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Principle checklist")
    assert_accessible(page)
    with translation.override("en"):
        principles = [p.text for p in AgreementPrinciple.objects.all()]
    for text in principles:
        page.get_by_role("group", name=text).get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Save the checklist").click()
    expect_message(page, "The principle checklist is saved.")
    expect(page.locator("#signing-blockers")).to_have_count(0)

    # ... and signs it, with the signing date.
    signed_on = start - datetime.timedelta(days=10)
    status_form = page.locator("form[action$='/status/']")
    status_form.get_by_role("group", name="New status").get_by_label("Signed", exact=True).check()
    status_form.get_by_label(label("Signing date")).fill(signed_on.isoformat())
    status_form.get_by_role("button", name="Change status").click()
    expect_message(page, "The agreement is now “Signed”.")
    expect(status_badge(page)).to_have_text("Signed")
    expect(page.locator("main dl.facts")).to_contain_text(short_date(signed_on))
    assert_accessible(page)
    agreement.refresh_from_db()
    assert (agreement.status, agreement.signed_on) == ("signed", signed_on)

    # 5. Drafts a press release that says it concerns GMS.
    page.get_by_role("link", name=f"← {TITLE}").click()
    expect(page).to_have_url(detail_url)
    assert_accessible(page)
    page.get_by_role("link", name="New communication").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New communication")
    assert_accessible(page)
    page.get_by_label(label("Kind")).select_option(label="Press release")
    page.get_by_label(label("Title")).fill(PRESS_RELEASE)
    page.get_by_label(label("Draft text")).fill(
        "Genomic Medicine Sweden (GMS) och Acme Genomik AB testar snabb "
        "helgenomsekvensering för nyfödda med misstänkt sällsynt sjukdom."
    )
    page.get_by_label(label("Channel")).fill("gms.science")
    page.get_by_role("button", name="Save draft").click()
    expect_message(page, "The draft is saved.")
    expect(page.get_by_text("The text does not name GMS.")).to_have_count(0)
    activity = CommunicationActivity.objects.get(collaboration=collaboration)
    activity_url = re.compile(rf"/collaborations/{collaboration.pk}/communication/{activity.pk}/$")
    expect(page).to_have_url(activity_url)
    expect(status_badge(page)).to_have_text("Not approved yet")
    approvals = page.get_by_role("table", name="Each party's decision on version 1")
    expect(approvals.locator("tbody tr")).to_have_count(2)
    for row in approvals.locator("tbody tr").all():
        expect(row.locator(".badge")).to_have_text("Waiting")
    assert_accessible(page)

    # 6. Approves it for Region Skåne: a GMS party without a named approver.
    decision = page.locator("form[action$='/decide/']")
    expect(decision.get_by_label(label("On behalf of"))).to_have_text("Region Skåne")
    decision.get_by_role("group", name="Decision").get_by_label("Approve").check()
    decision.get_by_role("button", name="Record decision").click()
    expect_message(page, "You approved the text for Region Skåne.")
    expect(approvals.locator("tbody tr").filter(has_text="Region Skåne")).to_contain_text(
        "Approved"
    )
    expect(approvals.locator("tbody tr").filter(has_text="Acme Genomik AB")).to_contain_text(
        "Waiting"
    )
    expect(status_badge(page)).to_have_text("Not approved yet")
    assert_accessible(page)
    log_out(page)

    # 7. The company's user approves it for Acme.
    log_in(page, "carol")
    open_collaboration_from_list(page, collaboration.pk)
    expect(page.get_by_text("Internal notes")).to_have_count(0)
    communication = page.get_by_role("table", name="Communication activities")
    expect(communication.locator(".badge")).to_have_text("Waiting for approval")
    communication.get_by_role("link", name=PRESS_RELEASE).click()
    expect(page).to_have_url(activity_url)
    assert_accessible(page)
    decision = page.locator("form[action$='/decide/']")
    expect(decision.get_by_label(label("On behalf of"))).to_have_text("Acme Genomik AB")
    decision.get_by_role("group", name="Decision").get_by_label("Approve").check()
    decision.get_by_role("button", name="Record decision").click()
    expect_message(page, "You approved the text for Acme Genomik AB.")
    expect(status_badge(page)).to_have_text("Approved by every party")
    assert_accessible(page)
    log_out(page)

    # 8. The coordinator sees the press release approved.
    log_in(page, "alice")
    open_collaboration_from_list(page, collaboration.pk)
    communication = page.get_by_role("table", name="Communication activities")
    expect(communication.locator(".badge")).to_have_text("Approved")
    communication.get_by_role("link", name=PRESS_RELEASE).click()
    expect(page).to_have_url(activity_url)
    expect(status_badge(page)).to_have_text("Approved by every party")
    expect(page.locator("main .message-success")).to_contain_text(
        "Every party approved this version"
    )
    assert_accessible(page)
    page.get_by_role("link", name=f"← {TITLE}").click()
    expect(page).to_have_url(detail_url)
    assert_accessible(page)

    # 9. Starts the collaboration: the follow-ups are planned, the final one overdue.
    change_collaboration_status(page, "Active")
    expect_message(page, "The collaboration is now “Active”.")
    expect(status_badge(page)).to_have_text("Active")
    final = FollowUp.objects.get(collaboration=collaboration, kind="final")
    assert final.due_date == end + datetime.timedelta(days=30)
    follow_ups = page.get_by_role("table", name="Follow-ups, when due and when held")
    final_row = follow_ups.locator("tbody tr").filter(has_text="Final")
    expect(final_row).to_have_count(1)
    expect(final_row.locator(".badge")).to_have_text("Overdue")
    expect(final_row).to_contain_text("Not held yet")
    assert_accessible(page)

    # 10. Completing before the final follow-up is recorded is refused, with the reason.
    change_collaboration_status(page, "Completed")
    expect(page).to_have_url(detail_url)
    expect_message(
        page,
        "Record the final follow-up with the parties before the collaboration is completed.",
    )
    expect(status_badge(page)).to_have_text("Active")
    assert_accessible(page)

    # 11. Records the final follow-up.
    final_row.get_by_role("link", name=short_date(final.due_date)).click()
    expect(page).to_have_url(
        re.compile(rf"/collaborations/{collaboration.pk}/follow-ups/{final.pk}/$")
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Follow-up: Final")
    expect(page.locator("main h1 + p .badge")).to_have_text("Overdue")
    assert_accessible(page)
    record = page.get_by_role("region", name="Record the conversation", exact=True)
    record.get_by_label(label("Held on")).fill(today.isoformat())
    record.get_by_label(label("Participants")).fill("Alice (GMS), Ada Lind (Acme)")
    record.get_by_label(label("Lessons")).fill("Planera dataflödet tidigt")
    # The answer form on the same page has fields of the same names and the same ids, so
    # these labels point at the answer form's fields: reach them by name within the form.
    record.locator("[name=what_worked]").fill("Snabba svar från båda parter")
    record.locator("[name=would_collaborate_again]").select_option("5")
    record.get_by_role("button", name="Save the record").click()
    expect_message(page, "The follow-up is recorded.")
    expect(page.locator("main h1 + p")).to_contain_text(f"held {short_date(today)}")
    expect(page.get_by_role("region", name="The conversation", exact=True)).to_contain_text(
        "Planera dataflödet tidigt"
    )
    assert_accessible(page)

    # 12. Completes the collaboration.
    page.get_by_role("link", name=f"← {TITLE}").click()
    expect(page).to_have_url(detail_url)
    expect(final_row).to_contain_text(short_date(today))
    change_collaboration_status(page, "Completed")
    expect_message(page, "The collaboration is now “Completed”.")
    expect(status_badge(page)).to_have_text("Completed")
    # A completed collaboration moves no further: no status form is offered.
    expect(page.locator("form[action$='/status/']")).to_have_count(0)
    assert_accessible(page)
    collaboration.refresh_from_db()
    assert collaboration.status == "completed"
