"""From an accepted inquiry to a public register entry and the final follow-up, with a
company that has no account: its contact person takes part through personal links.

The inquiry is accepted through the actions (the inquiry flow has its own test). The
coordinator does the rest on the pages; the company's contact person only ever follows the
links in the e-mails. Asserted in English.
"""

import datetime
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from .conftest import (
    Personas,
    assert_accessible,
    expect_message,
    label,
    log_in,
    log_out,
    switch_language,
    visit,
)

pytestmark = pytest.mark.browser

TITLE = "Snabb patogendiagnostik vid sepsis"
COMPANY = "Beta Diagnostik AB"
CONTACT = "bo@beta.example"
LINK = re.compile(r"https?://[^/\s]+(/collaborations/p/\S+/)")


def accepted_inquiry(personas: Personas) -> Any:
    from samverkan.inquiries import actions
    from samverkan.inquiries.models import Gate, PriorityCriterion
    from samverkan.lib.orgnr import with_check_digit
    from samverkan.test import submit_inquiry

    inquiry = submit_inquiry(
        title=TITLE,
        organisation_name=COMPANY,
        organisation_number=with_check_digit("559123456"),
        contact_name="Bo Berg",
        contact_email=CONTACT,
    )
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


def latest_link() -> str:
    """The personal link in the newest e-mail to the contact person that carries one."""
    from samverkan.core.models import OutboundEmail

    mail = (
        OutboundEmail.objects.filter(to=CONTACT, body__contains="/collaborations/p/")
        .order_by("-pk")
        .first()
    )
    assert mail is not None, list(OutboundEmail.objects.values_list("to", "subject"))
    match = LINK.search(mail.body)
    assert match is not None, mail.body
    return match.group(1)


def test_a_company_without_an_account_goes_from_inquiry_to_register_and_follow_up(
    page: Page, personas: Personas
) -> None:
    from samverkan.collaborations.models import Collaboration, FollowUp, FollowUpAnswer
    from samverkan.register.actions import publish_due_entries
    from samverkan.register.models import RegisterConfirmation, RegisterEntry

    inquiry = accepted_inquiry(personas)
    collaboration = Collaboration.objects.get(inquiry=inquiry)
    assert collaboration.parties.get().contact is not None  # the inquiry's contact person
    detail = re.compile(rf"/collaborations/{collaboration.pk}/$")
    today = timezone.localdate()
    start = today - datetime.timedelta(days=300)
    end = today - datetime.timedelta(days=40)

    visit(page, "/")
    switch_language(page, "en")

    # 1. The coordinator sees what is still missing before the start.
    log_in(page, "alice")
    visit(page, f"/collaborations/{collaboration.pk}/")
    blockers = page.locator("#start-blockers")
    expect(blockers).to_contain_text("Add at least one party of the infrastructure.")
    inherited = "The gates were met in the accepted inquiry's assessments."
    expect(page.get_by_text(inherited)).to_be_visible()
    assert_accessible(page)

    # 2. Gives the dates and adds Region Skåne; now it can start.
    page.locator("main h1 + p").get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label(label("Start date")).fill(start.isoformat())
    page.get_by_label(label("End date")).fill(end.isoformat())
    page.get_by_role("button", name="Save", exact=True).click()
    expect_message(page, "The collaboration is saved.")
    page.get_by_role("link", name="Add a party").click()
    page.get_by_label(label("Organisation")).select_option(label="Region Skåne")
    page.get_by_label(label("Role")).select_option(label="Infrastructure party")
    page.get_by_role("button", name="Add party").click()
    expect(page).to_have_url(detail)
    expect(page.get_by_text("Everything is in place: the collaboration can start.")).to_be_visible()

    # 3. Starts it: it enters the register's correction period by itself, and the
    #    company's contact person is asked to check the entry.
    form = page.locator("form[action$='/status/']")
    form.get_by_label(label("New status")).select_option(label="Active")
    form.get_by_role("button", name="Change status").click()
    expect_message(page, "The collaboration is now “Active”.")
    about = page.get_by_role("region", name="The collaboration")
    expect(about).to_contain_text("Correction period until")
    waiting = page.get_by_role("region", name="Waiting for the parties")
    expect(waiting).to_contain_text(COMPANY)
    expect(waiting).to_contain_text("Check the register entry")
    assert_accessible(page)
    log_out(page)

    # 4. The contact person, without an account, confirms the entry from the e-mail.
    visit(page, latest_link())
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the register entry")
    expect(page.locator("main")).to_contain_text(TITLE)
    expect(page.locator("main")).to_contain_text("This personal link is for you only.")
    assert_accessible(page)
    page.get_by_role("button", name="The entry is correct").click()
    expect_message(page, "Thank you: the entry is confirmed.")
    confirmation = RegisterConfirmation.objects.get(collaboration=collaboration)
    assert confirmation.confirmed_by_contact is not None
    assert confirmation.confirmed_by is None

    # 5. The correction period ends: the entry is public for anyone.
    publish_due_entries(today + datetime.timedelta(days=30))
    assert RegisterEntry.objects.get(collaboration=collaboration).state == "published"
    visit(page, f"/register/{collaboration.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator("main dl.facts")).to_contain_text(COMPANY)
    assert_accessible(page)

    # 6. The final follow-up is overdue; the coordinator asks the parties for their answers.
    log_in(page, "alice")
    final = FollowUp.objects.get(collaboration=collaboration, kind="final")
    visit(page, final.get_absolute_url())
    page.get_by_role("button", name="Send the parties their links").click()
    expect_message(page, "A link is sent to 1 party.")
    log_out(page)

    # 7. The contact person answers from the e-mail.
    visit(page, latest_link())
    expect(page.get_by_role("heading", level=1)).to_have_text("Answer the follow-up")
    assert_accessible(page)
    page.get_by_label(label("Value created for the organisation")).fill(
        "Validerad metod och två publikationer."
    )
    page.get_by_role("button", name="Send my answers").click()
    expect_message(page, "Thank you: your answers are recorded.")
    answer = FollowUpAnswer.objects.get(follow_up=final)
    assert answer.answered_by is None and answer.answered_by_contact is not None

    # 8. The coordinator records the conversation and completes the collaboration.
    log_in(page, "alice")
    visit(page, final.get_absolute_url())
    expect(page.get_by_role("region", name="The parties' answers")).to_contain_text(
        "(personal link)"
    )
    record = page.get_by_role("region", name="Record the conversation", exact=True)
    record.get_by_label(label("Held on")).fill(today.isoformat())
    record.get_by_label(label("Lessons")).fill("Personliga länkar räckte för företaget.")
    record.get_by_role("button", name="Save the record").click()
    expect_message(page, "The follow-up is recorded.")
    visit(page, f"/collaborations/{collaboration.pk}/")
    form = page.locator("form[action$='/status/']")
    form.get_by_label(label("New status")).select_option(label="Completed")
    form.get_by_role("button", name="Change status").click()
    expect_message(page, "The collaboration is now “Completed”.")
    expect(page.get_by_role("region", name="Waiting for the parties")).to_have_count(0)
    assert_accessible(page)
    collaboration.refresh_from_db()
    assert collaboration.status == "completed"
