"""The effects dashboard, its indicators and the annual reports.

Every indicator is computed on a small hand-made data set whose right answers are worked
out by hand in the comments and written in the tests; the suite runs on SQLite and on
PostgreSQL. Period: 2025. Times are Swedish local time.
"""

import csv
import datetime
import io
import itertools
import shutil
import tempfile
import zoneinfo
from decimal import Decimal
from typing import Any
from unittest import mock, skipUnless

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.db.models import F, QuerySet, Value
from django.test import TransactionTestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.html import escape
from django_tasks_db.models import DBTaskResult

from samverkan.accounts.models import Role, User
from samverkan.collaborations.models import (
    Collaboration,
    CollaborationParty,
    FollowUp,
    Funder,
    FundingApplication,
)
from samverkan.effects import actions
from samverkan.effects import cache as effects_cache
from samverkan.effects.indicators import (
    INDICATORS,
    Interval,
    Result,
    Scope,
    get_indicator,
)
from samverkan.effects.models import ExpectedEffect, Report
from samverkan.effects.tasks import refresh_default_figures, refresh_figures
from samverkan.inquiries.models import Inquiry, Routing
from samverkan.needs.models import Need
from samverkan.orgs.models import Centre, Committee, Organisation
from samverkan.reference.loader import load_reference
from samverkan.test import BaseTestCase, run_queued_tasks

STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")
YEAR_2025 = (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
TODAY = datetime.date(2026, 1, 8)
S = Inquiry.Status

_numbers = itertools.count(1)


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM)


def company(name: str) -> Organisation:
    return Organisation.objects.create(name=name, kind=Organisation.Kind.COMPANY)


def inquiry(
    org: Organisation,
    created: datetime.datetime,
    *,
    answered: datetime.datetime | None = None,
    status: str = S.RECEIVED,
    kinds: tuple[str, ...] = ("research",),
    routed: tuple[Committee, ...] = (),
    named: tuple[Committee, ...] = (),
) -> Inquiry:
    n = next(_numbers)
    row = Inquiry.objects.create(
        reference=f"TEST-{n:05d}",
        organisation=org,
        organisation_name=org.name,
        contact_name="Test Person",
        contact_email="test@example.org",
        title=f"Inquiry {n}",
        description="A test inquiry.",
        kinds=list(kinds),
        consent_at=created,
        sender_token=f"token-{n}",
        status=status,
        first_response_at=answered,
        created_at=created,
    )
    for committee in routed:
        Routing.objects.create(inquiry=row, committee=committee)
    row.requested_committees.add(*named)
    return row


def collaboration(
    title: str,
    kind: str,
    status: str,
    start: datetime.date | None,
    end: datetime.date | None,
    created: datetime.datetime,
    *,
    companies: tuple[Organisation, ...] = (),
    infrastructure_parties: tuple[Organisation, ...] = (),
    committees: tuple[Committee, ...] = (),
    centres: tuple[Centre, ...] = (),
) -> Collaboration:
    row = Collaboration.objects.create(
        title=title, kind=kind, status=status, start_date=start, end_date=end, created_at=created
    )
    row.committees.set(committees)
    row.centres.set(centres)
    for org in companies:
        CollaborationParty.objects.create(collaboration=row, organisation=org, role="company")
    for org in infrastructure_parties:
        CollaborationParty.objects.create(
            collaboration=row, organisation=org, role="infrastructure_party"
        )
    return row


def funding(
    on: Collaboration,
    funder: str,
    status: str,
    applied: str,
    currency: str = "SEK",
    *,
    granted: str | None = None,
    submitted: datetime.date | None = None,
    decided: datetime.date | None = None,
) -> FundingApplication:
    return FundingApplication.objects.create(
        collaboration=on,
        funder=Funder.objects.get(slug=funder) if funder != Funder.OTHER else None,
        funder_name="Another funder" if funder == Funder.OTHER else "",
        call="Test call",
        status=status,
        amount_applied=Decimal(applied),
        amount_granted=Decimal(granted) if granted is not None else None,
        currency=currency,
        submitted_on=submitted,
        decided_on=decided,
    )


def need(committee: Committee, status: str, published: datetime.datetime, kind: str) -> Need:
    return Need.objects.create(
        committee=committee,
        title=f"Need of {committee.slug}",
        description="A need.",
        kind=kind,
        status=status,
        published_at=published,
    )


def build_effects_data(cls: Any) -> None:
    """The hand-made data set; every test below works out its answers from it."""
    d = datetime.date
    cls.a, cls.b, cls.c = company("A AB"), company("B AB"), company("C AB")
    cls.d, cls.e, cls.g = company("D AB"), company("E AB"), company("G AB")
    cls.skane = Organisation.objects.get(name="Region Skåne")
    cls.stockholm = Organisation.objects.get(name="Region Stockholm")
    cls.syd = Centre.objects.get(slug="syd")
    cls.karolinska = Centre.objects.get(slug="karolinska")
    rare, informatics = cls.rare, cls.informatics

    # Inquiries. The 10 working days from a Monday to a Friday end on the same weekday two
    # weeks later; from a Saturday 13 days later; from a Sunday 12 days later.
    assert d(2025, 1, 13).isoweekday() == 1 and d(2025, 2, 15).isoweekday() == 6
    cls.i1 = inquiry(  # Monday; answered on the 14th day: in time. Q1, accepted.
        cls.a,
        at(2025, 1, 13, 10),
        answered=at(2025, 1, 27, 9),
        status=S.ACCEPTED,
        kinds=("research",),
        routed=(rare,),
    )
    cls.i2 = inquiry(  # Monday; answered 00:30 on the 15th day (still the 14th in UTC): late.
        cls.b,
        at(2025, 1, 13, 10),
        answered=at(2025, 1, 28, 0, 30),
        status=S.DECLINED,
        kinds=("pilot",),
    )
    cls.i3 = inquiry(  # Saturday; answered on the Friday 13 days later: in time. Withdrawn.
        cls.a,
        at(2025, 2, 15, 12),
        answered=at(2025, 2, 28, 12),
        status=S.WITHDRAWN,
        kinds=("research", "pilot"),
        named=(rare,),
    )
    cls.i4 = inquiry(  # Sunday; answered on the Saturday 13 days later (12 allowed): late.
        cls.c,
        at(2025, 2, 16, 12),
        answered=at(2025, 3, 1, 18),
        status=S.PARKED,
        kinds=("education",),
    )
    cls.i5 = inquiry(  # Q2, answered the next day; still in assessment.
        cls.c,
        at(2025, 4, 2, 10),
        answered=at(2025, 4, 3, 10),
        status=S.ASSESSMENT,
        kinds=("research",),
    )
    cls.i6 = inquiry(cls.e, at(2025, 7, 1, 9), kinds=("testing",))  # Q3, never answered
    cls.i7 = inquiry(  # 31 Dec: on 8 Jan 2026 still within its 10 working days.
        cls.a, at(2025, 12, 31, 15), kinds=("funding_application",)
    )
    cls.i8 = inquiry(  # 00:30 on 1 Oct is Q4 in Sweden but Q3 in UTC. Declined.
        cls.g,
        at(2025, 10, 1, 0, 30),
        answered=at(2025, 10, 1, 12, 30),
        status=S.DECLINED,
        kinds=("development",),
    )
    inquiry(cls.b, at(2024, 12, 20), answered=at(2024, 12, 21))  # before the period
    inquiry(cls.g, at(2026, 1, 2), answered=at(2026, 1, 3))  # after it

    # Collaborations.
    cls.c1 = collaboration(  # running since 2024; E's first engagement (2024).
        "Pilot",
        "pilot",
        "active",
        d(2024, 6, 1),
        None,
        at(2024, 5, 1),
        companies=(cls.e,),
        infrastructure_parties=(cls.skane,),
        committees=(rare,),
    )
    cls.c2 = collaboration(  # started Q1, ended 31 Aug; two companies; Region Stockholm.
        "Research",
        "research",
        "completed",
        d(2025, 2, 1),
        d(2025, 8, 31),
        at(2025, 1, 20),
        companies=(cls.a, cls.b),
        infrastructure_parties=(cls.stockholm,),
        committees=(informatics,),
    )
    cls.c3 = collaboration(  # started Q2; two companies; linked to GMC Syd; D's first.
        "Development",
        "development",
        "active",
        d(2025, 5, 10),
        d(2026, 12, 31),
        at(2025, 5, 5),
        companies=(cls.d, cls.c),
        committees=(rare, informatics),
        centres=(cls.syd,),
    )
    collaboration(  # still planned: neither started nor active
        "Planned", "education", "planned", d(2025, 9, 1), None, at(2025, 6, 1), companies=(cls.a,)
    )
    collaboration(  # ended before the period
        "Old",
        "testing",
        "ended_early",
        d(2023, 1, 1),
        d(2024, 12, 31),
        at(2023, 1, 1),
        companies=(cls.b,),
    )

    # Funding applications.
    funding(
        cls.c2,
        "vinnova",
        "granted",
        "1000000",
        granted="800000",
        submitted=d(2025, 2, 10),
        decided=d(2025, 6, 15),
    )
    funding(cls.c3, "horizon_europe", "submitted", "500000", "EUR", submitted=d(2025, 6, 1))
    funding(cls.c1, "vr", "granted", "300000", granted="300000", submitted=d(2024, 11, 1))
    funding(
        cls.c1,
        "vinnova",
        "rejected",
        "200000",
        granted="0",
        submitted=d(2025, 3, 1),
        decided=d(2025, 9, 1),
    )
    funding(cls.c3, "vinnova", "planned", "999")
    funding(
        cls.c2,
        "other",
        "granted",
        "100000",
        "EUR",
        granted="50000.50",
        submitted=d(2024, 12, 1),
        decided=d(2025, 1, 10),
    )

    # Follow-ups.
    for on, due, held in [
        (cls.c2, d(2025, 3, 31), d(2025, 3, 31)),  # on time, Q1
        (cls.c2, d(2025, 8, 31), d(2025, 9, 10)),  # late, Q3
        (cls.c1, d(2025, 6, 30), d(2025, 6, 1)),  # early is on time, Q2
        (cls.c1, d(2025, 12, 31), None),  # overdue on 8 Jan 2026, Q4
        (cls.c3, d(2026, 1, 31), None),  # after the period
        (cls.c3, d(2025, 12, 20), d(2025, 12, 19)),  # on time, Q4
        (cls.c3, d(2024, 12, 31), d(2024, 12, 30)),  # before the period
    ]:
        FollowUp.objects.create(collaboration=on, kind="interim", due_date=due, held_on=held)

    # Needs.
    published, draft, closed = Need.Status.PUBLISHED, Need.Status.DRAFT, Need.Status.CLOSED
    need(rare, published, at(2024, 10, 1), "testing")
    need(informatics, published, at(2025, 5, 15), "development")
    need(informatics, published, at(2025, 8, 1), "research")
    need(cls.education, draft, at(2025, 1, 1), "education")
    need(Committee.objects.get(slug="solid_tumours"), closed, at(2025, 3, 1), "research")
    need(Committee.objects.get(slug="haematology"), published, at(2026, 2, 1), "research")


def series(result: Result) -> list[list[Any]]:
    assert result.series is not None
    return [row.values for row in result.series.rows]


def table(result: Result, key: str) -> dict[str, list[Any]]:
    found = next(t for t in result.breakdowns if t.key == key)
    return {row.label: row.values for row in found.rows}


def figures(result: Result) -> list[Any]:
    return [figure.value for figure in result.figures]


def follow_up_events(scope: Scope) -> QuerySet[Any]:
    """A stand-in provider for the knowledge-exchange indicator: follow-ups held, 4 each."""
    return FollowUp.objects.filter(held_on__isnull=False).annotate(
        event_date=F("held_on"), participant_count=Value(4)
    )


class IndicatorTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        build_effects_data(cls)

    def compute(
        self, indicator_id: str, interval: str = Interval.QUARTER, **filters: Any
    ) -> Result:
        indicator = get_indicator(indicator_id)
        assert indicator is not None
        start, end = filters.pop("period", YEAR_2025)
        today = filters.pop("today", TODAY)
        return indicator.compute(Scope(start, end, today=today, **filters), interval)

    def test_it_counts_the_inquiries_received_by_local_quarter_and_kind(self):
        result = self.compute("inquiries_received")
        self.assertEqual(figures(result), [8])
        self.assertEqual(series(result), [[4], [1], [1], [2]])
        kinds = table(result, "by_kind")
        self.assertEqual(kinds["Forskning"], [3])  # i1, i3, i5
        self.assertEqual(kinds["Pilotprojekt"], [2])  # i2, i3
        self.assertEqual(kinds["Klinisk studie"], [0])

    def test_it_counts_the_inquiries_received_by_year(self):
        result = self.compute(
            "inquiries_received", Interval.YEAR, period=(datetime.date(2024, 1, 1), YEAR_2025[1])
        )
        self.assertEqual([row.label for row in result.series.rows], ["2024", "2025"])
        self.assertEqual(series(result), [[1], [8]])

    def test_it_filters_inquiries_by_committee_routed_or_named_and_by_kind(self):
        self.assertEqual(figures(self.compute("inquiries_received", committee=self.rare)), [2])
        self.assertEqual(figures(self.compute("inquiries_received", kind="pilot")), [2])
        by_centre = self.compute("inquiries_received", centre=Centre.objects.get(slug="syd"))
        self.assertEqual(figures(by_centre), [8])  # inquiries name no centre
        self.assertEqual(len(by_centre.ignored_filters), 1)

    def test_it_computes_the_share_answered_within_10_working_days(self):
        # Due: i1 in time, i2 late, i3 in time, i4 late, i5 in time, i8 in time, i6 never
        # answered (overdue); i7 is still within its days on 8 January 2026.
        result = self.compute("answered_in_time")
        self.assertEqual(figures(result), [Decimal("57.1"), 1])  # 4 of 7; i6 overdue
        self.assertEqual(
            series(result),
            [
                [Decimal("50.0"), 2, 4, 0],
                [Decimal("100.0"), 1, 1, 0],
                [Decimal("0.0"), 0, 1, 0],
                [Decimal("100.0"), 1, 1, 1],
            ],
        )

    def test_it_counts_an_unanswered_inquiry_as_late_once_its_days_have_passed(self):
        result = self.compute("answered_in_time", today=datetime.date(2026, 1, 15))
        self.assertEqual(figures(result), [Decimal("50.0"), 2])  # i7 overdue from 15 Jan

    def test_it_computes_the_median_days_to_first_answer(self):
        # Days: i1 13.958, i2 14.604, i3 13.0, i4 13.25, i5 1.0, i8 0.5.
        # Sorted: 0.5 1.0 13.0 13.25 13.958 14.604 -> (13.0 + 13.25) / 2 = 13.125 -> 13.1.
        result = self.compute("median_days_to_answer")
        self.assertEqual(figures(result), [Decimal("13.1")])
        # Q1: 13.0 13.25 13.958 14.604 -> 13.604; Q2: 1.0; Q3: none; Q4 (local): 0.5.
        self.assertEqual(
            series(result),
            [[Decimal("13.6"), 4], [Decimal("1.0"), 1], [None, 0], [Decimal("0.5"), 1]],
        )

    def test_it_takes_the_middle_value_as_median_of_an_odd_count(self):
        result = self.compute("median_days_to_answer", committee=self.rare)  # i1, i3
        self.assertEqual(figures(result), [Decimal("13.5")])  # (13.958 + 13.0) / 2
        result = self.compute("median_days_to_answer", kind="research")  # i1, i3, i5
        self.assertEqual(figures(result), [Decimal("13.0")])

    def test_it_computes_the_outcome_shares_among_decided_inquiries(self):
        result = self.compute("inquiry_outcomes")
        # Decided: i1 accepted, i2 and i8 declined, i3 withdrawn, i4 parked.
        self.assertEqual(
            figures(result), [Decimal("20.0"), Decimal("40.0"), Decimal("20.0"), Decimal("20.0")]
        )
        self.assertEqual(series(result), [[1, 1, 1, 1], [0, 0, 0, 0], [0, 0, 0, 0], [0, 1, 0, 0]])

    def test_it_counts_collaborations_started_and_active(self):
        result = self.compute("collaborations")
        self.assertEqual(figures(result), [2, 3])  # started c2, c3; active c1, c2, c3
        self.assertEqual(series(result), [[1, 2], [1, 3], [0, 3], [0, 2]])

    def test_it_breaks_collaborations_down_by_kind_committee_centre_and_region(self):
        result = self.compute("collaborations")
        kinds = table(result, "by_kind")
        self.assertEqual(kinds["Pilotprojekt"], [0, 1])
        self.assertEqual(kinds["Forskning"], [1, 1])
        self.assertEqual(kinds["Utveckling av metoder eller mjukvara"], [1, 1])
        self.assertEqual(kinds["Utbildning"], [0, 0])  # only planned
        committees = table(result, "by_committee")
        self.assertEqual(committees[self.rare.name], [1, 2])  # c1 active, c3 both
        self.assertEqual(committees[self.informatics.name], [2, 2])  # c2, c3
        self.assertEqual(committees[self.education.name], [0, 0])
        centres = table(result, "by_centre")
        self.assertEqual(centres[self.syd.name], [1, 2])  # c3 linked; c1 through Region Skåne
        self.assertEqual(centres[self.karolinska.name], [1, 1])  # c2 through Region Stockholm
        self.assertEqual(centres[Centre.objects.get(slug="norr").name], [0, 0])
        regions = table(result, "by_region")
        self.assertEqual(regions["Region Skåne"], [1, 2])  # c1 party; c3 through GMC Syd
        self.assertEqual(regions["Region Stockholm"], [1, 1])
        self.assertEqual(regions["Region Uppsala"], [0, 0])

    def test_it_filters_collaborations_by_centre_committee_and_kind(self):
        self.assertEqual(figures(self.compute("collaborations", centre=self.syd)), [1, 2])
        self.assertEqual(figures(self.compute("collaborations", committee=self.rare)), [1, 2])
        self.assertEqual(figures(self.compute("collaborations", kind="research")), [1, 1])

    def test_it_computes_the_share_of_collaborations_with_several_companies(self):
        result = self.compute("several_companies")
        self.assertEqual(figures(result), [Decimal("66.7")])  # c2 and c3 of c1, c2, c3
        self.assertEqual(
            series(result),
            [
                [Decimal("50.0"), 1, 2],
                [Decimal("66.7"), 2, 3],
                [Decimal("66.7"), 2, 3],
                [Decimal("50.0"), 1, 2],
            ],
        )
        self.assertEqual(list(table(result, "by_companies").values()), [[0], [1], [2], [0]])

    def test_it_counts_funding_applications_and_money_granted_per_currency(self):
        result = self.compute("funding")
        # Submitted: vinnova (Feb), rejected vinnova (Mar), horizon (Jun). Granted in 2025:
        # vinnova 800 000 SEK (Jun) and other 50 000.50 EUR (decided Jan, submitted 2024).
        self.assertEqual(figures(result), [3, 2, Decimal("50000.50"), Decimal("800000.00")])
        self.assertEqual([f.currency for f in result.figures[2:]], ["EUR", "SEK"])
        self.assertEqual(
            series(result),
            [
                [2, 1, 0, Decimal("50000.50"), Decimal("0")],
                [1, 1, 0, Decimal("0"), Decimal("800000.00")],
                [0, 0, 1, Decimal("0"), Decimal("0")],
                [0, 0, 0, Decimal("0"), Decimal("0")],
            ],
        )
        self.assertEqual(
            table(result, "by_currency"),
            {
                "EUR": [Decimal("500000.00"), Decimal("50000.50")],
                "SEK": [Decimal("1200000.00"), Decimal("800000.00")],
            },
        )
        funders = table(result, "by_funder")
        self.assertEqual(funders["Vinnova"], [2, 1])
        self.assertEqual(funders["EU Horizon Europe"], [1, 0])

    def test_it_uses_the_submission_date_when_a_grant_has_no_decision_date(self):
        result = self.compute("funding", period=(datetime.date(2024, 1, 1), YEAR_2025[1]))
        self.assertEqual(figures(result)[:2], [5, 3])  # + vr (Nov 2024), other (Dec 2024)

    def test_it_filters_funding_through_the_collaborations(self):
        result = self.compute("funding", committee=self.rare)  # c1 and c3
        self.assertEqual(figures(result)[:2], [2, 0])

    def test_it_computes_the_share_of_follow_ups_done_on_time(self):
        result = self.compute("follow_ups_on_time")
        self.assertEqual(figures(result), [Decimal("60.0")])  # 3 of 5 due
        self.assertEqual(
            series(result),
            [
                [Decimal("100.0"), 1, 0, 0],
                [Decimal("100.0"), 1, 0, 0],
                [Decimal("0.0"), 0, 1, 0],
                [Decimal("50.0"), 1, 0, 1],
            ],
        )

    def test_it_leaves_out_follow_ups_not_yet_due(self):
        result = self.compute("follow_ups_on_time", today=datetime.date(2025, 12, 25))
        self.assertEqual(figures(result), [Decimal("75.0")])  # 31 Dec not due yet: 3 of 4

    def test_it_computes_the_committees_covered_by_a_published_need(self):
        total = Committee.objects.count()
        self.assertEqual(total, 15)
        result = self.compute("needs_coverage")
        # rare, informatics: 2 of 15; none of their 3 needs has an activity yet
        self.assertEqual(figures(result), [Decimal("13.3"), Decimal("0.0")])
        self.assertEqual(
            series(result),
            [[Decimal("6.7"), 1], [Decimal("13.3"), 2], [Decimal("13.3"), 2], [Decimal("13.3"), 2]],
        )
        per_committee = table(result, "by_committee")
        self.assertEqual(per_committee[self.informatics.name], [2, 0])
        self.assertEqual(per_committee[Committee.objects.get(slug="haematology").name], [0, 0])

    def test_it_counts_the_needs_that_led_to_an_activity_in_the_period(self):
        from samverkan.collaborations.models import CollaborationNeed

        rare_need, *informatics_needs = Need.objects.filter(
            committee__in=[self.rare, self.informatics], status=Need.Status.PUBLISHED
        ).order_by("published_at")
        # An inquiry in 2025 answers the rare need; a declined one is no activity.
        self.i5.need = rare_need
        self.i5.save(update_fields=["need"])
        self.i2.need = informatics_needs[0]
        self.i2.save(update_fields=["need"])
        # A collaboration linked to the other informatics need only after the period.
        CollaborationNeed.objects.create(
            collaboration=self.c3, need=informatics_needs[1], linked_at=at(2026, 1, 5)
        )
        result = self.compute("needs_coverage")
        self.assertEqual(figures(result)[1], Decimal("33.3"))  # 1 of 3
        self.assertEqual(result.figures[1].detail, "1 av 3 publicerade eller uppfyllda behov")
        per_committee = table(result, "by_committee")
        self.assertEqual(per_committee[self.rare.name], [1, 1])
        self.assertEqual(per_committee[self.informatics.name], [2, 0])
        # Measured over 2026 too, the collaboration counts; a need marked met still counts.
        Need.objects.filter(pk=rare_need.pk).update(status=Need.Status.MET)
        later = self.compute("needs_coverage", period=(datetime.date(2025, 1, 1), TODAY))
        self.assertEqual(table(later, "by_committee")[self.informatics.name], [2, 1])
        self.assertEqual(table(later, "by_committee")[self.rare.name], [1, 1])

    def test_it_measures_coverage_by_kind_and_for_one_committee(self):
        by_kind = self.compute("needs_coverage", kind="research")
        self.assertEqual(series(by_kind)[1:3], [[Decimal("0.0"), 0], [Decimal("6.7"), 1]])
        self.assertEqual(
            figures(self.compute("needs_coverage", committee=self.rare)),
            [Decimal("100.0"), Decimal("0.0")],
        )

    def test_it_counts_companies_engaged_for_the_first_time(self):
        # A (i1, Jan), C (i4, Feb), D (c3 registered May), G (i8, 1 Oct local). B had an
        # inquiry in 2024 and E a collaboration from 2024; Acme and Annat Bolag none.
        result = self.compute("new_companies")
        self.assertEqual(figures(result), [4])
        self.assertEqual(series(result), [[2, 2], [1, 0], [0, 0], [1, 1]])

    def test_it_counts_first_engagements_within_the_filters(self):
        self.assertEqual(figures(self.compute("new_companies", centre=self.syd)), [2])  # c3: C, D
        self.assertEqual(figures(self.compute("new_companies", committee=self.rare)), [3])

    def test_it_counts_companies_with_more_than_one_collaboration(self):
        # Started by the end of 2025: E (c1, 2024), A and B (c2, 1 Feb), D and C (c3, May);
        # B also had "Old" (2023), so B has two from 1 Feb. A's planned one does not count.
        result = self.compute("repeat_companies")
        self.assertEqual(figures(result), [1, Decimal("20.0")])
        self.assertEqual(
            series(result),
            [
                [1, Decimal("33.3"), 3],  # Q1: E, A, B with one; B with two
                [1, Decimal("20.0"), 5],
                [1, Decimal("20.0"), 5],
                [1, Decimal("20.0"), 5],
            ],
        )
        # E joins c2 and c3 too: three collaborations, two of them from 1 February.
        for row in (self.c2, self.c3):
            CollaborationParty.objects.create(
                collaboration=row, organisation=self.e, role="company"
            )
        result = self.compute("repeat_companies", Interval.YEAR)
        self.assertEqual(figures(result), [2, Decimal("40.0")])
        self.assertEqual(series(result), [[2, Decimal("40.0"), 5]])
        self.assertEqual(
            table(result, "by_collaborations"),
            {"Ett": [3], "Två": [1], "Tre eller fyra": [1], "Fem eller fler": [0]},
        )
        # Before the collaborations of 2025, only B's "Old" and E's c1 had started.
        year_2024 = (datetime.date(2024, 1, 1), datetime.date(2024, 12, 31))
        earlier = self.compute("repeat_companies", period=year_2024)
        self.assertEqual(figures(earlier), [0, Decimal("0.0")])

    def test_it_counts_repeat_companies_within_the_filters_in_one_query(self):
        with self.assertNumQueries(1):
            result = self.compute("repeat_companies", committee=self.rare)
        self.assertEqual(figures(result), [0, Decimal("0.0")])  # c1 (E), c3 (D, C)
        grow_data(self, 20)  # twenty more companies, each with one; A in all twenty
        with self.assertNumQueries(1):
            result = self.compute("repeat_companies")
        self.assertEqual(figures(result), [2, Decimal("8.0")])  # A and B of 25

    @override_settings(EFFECTS_KNOWLEDGE_EXCHANGE_PROVIDER="")
    def test_it_has_no_knowledge_exchange_data_until_a_provider_is_set(self):
        result = self.compute("knowledge_exchange")
        self.assertTrue(result.no_data)
        self.assertIsNone(result.chart)

    @override_settings(EFFECTS_KNOWLEDGE_EXCHANGE_PROVIDER="tests.test_effects.follow_up_events")
    def test_it_counts_knowledge_exchange_events_from_the_provider(self):
        result = self.compute("knowledge_exchange")
        self.assertFalse(result.no_data)
        self.assertEqual(figures(result), [4, 16])  # four held in 2025, four people each
        self.assertEqual(series(result), [[1, 4], [1, 4], [1, 4], [1, 4]])

    @skipUnless(
        any(m._meta.label == "orgs.Event" for m in apps.get_models()), "no orgs.Event model"
    )
    def test_the_orgs_provider_counts_events_and_their_participants(self):
        from samverkan.effects.providers import orgs_events

        event_model = apps.get_model("orgs", "Event")
        participant_model = apps.get_model("orgs", "EventParticipant")
        event = event_model.objects.create(
            title="Industry day", kind="industry_day", date=datetime.date(2025, 3, 5)
        )
        event.committees.add(self.rare)
        event_model.objects.create(title="Webinar", kind="webinar", date=datetime.date(2025, 6, 5))
        for org in [self.a, self.b, self.c]:
            participant_model.objects.create(event=event, organisation=org)
        with override_settings(
            EFFECTS_KNOWLEDGE_EXCHANGE_PROVIDER="samverkan.effects.providers.orgs_events"
        ):
            self.assertEqual(figures(self.compute("knowledge_exchange")), [2, 3])
            self.assertEqual(
                figures(self.compute("knowledge_exchange", committee=self.rare)), [1, 3]
            )
        self.assertEqual(orgs_events(Scope(*YEAR_2025)).count(), 2)

    def test_every_indicator_names_its_effect_definition_and_a_short_sheet_title(self):
        self.assertEqual(len({i.id for i in INDICATORS}), len(INDICATORS))
        # The pack names each indicator under an expected effect, and only indicators
        # that exist.
        named = {i for e in ExpectedEffect.objects.all() for i in e.indicators}
        self.assertEqual(named, {i.id for i in INDICATORS})
        for indicator in INDICATORS:
            self.assertGreater(len(str(indicator.definition)), 80, indicator.id)
            self.assertLessEqual(len(str(indicator.short_name)), 31, indicator.id)

    def test_every_indicator_answers_an_empty_period_with_zeros_or_nothing(self):
        empty = (datetime.date(2019, 1, 1), datetime.date(2019, 12, 31))
        for indicator in INDICATORS:
            result = self.compute(indicator.id, period=empty)
            for value in figures(result):
                self.assertIn(value, [0, None], indicator.id)


def dashboard_url(**params: str) -> str:
    query = "&".join(
        f"{k}={v}"
        for k, v in {"date_from": "2025-01-01", "date_to": "2025-12-31", **params}.items()
    )
    return f"/effects/?{query}"


@override_settings(EFFECTS_KNOWLEDGE_EXCHANGE_PROVIDER="")
class DashboardTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        build_effects_data(cls)

    def test_it_lets_coordinators_admins_and_viewers_in_and_no_one_else(self):
        for user, status in [
            (self.alice, 200),
            (self.erin, 200),
            (self.dave, 200),
            (self.bob, 403),
            (self.oscar, 403),
            (self.carol, 403),
            (self.mallory, 403),
        ]:
            self.login(user)
            for url in ["/effects/", "/effects/funding.csv", "/effects/reports/"]:
                self.assertEqual(self.client.get(url).status_code, status, (user, url))
        self.client.logout()
        response = self.client.get("/effects/")
        self.assertRedirects(
            response, "/accounts/login/?next=/effects/", fetch_redirect_response=False
        )

    def test_it_shows_each_indicator_with_definition_chart_data_table_and_csv_link(self):
        self.login(self.dave)
        response = self.client.get(dashboard_url())
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        for indicator in INDICATORS:
            self.assertIn(f'id="indicator-{indicator.id}"', html)
            self.assertIn(escape(str(indicator.definition))[:60], html)
            if indicator.id != "knowledge_exchange":
                self.assertIn(f'id="chart-data-{indicator.id}" type="application/json"', html)
                self.assertIn(f'data-chart="chart-data-{indicator.id}"', html)
                self.assertIn(f"/effects/{indicator.id}.csv?date_from=2025-01-01", html)
        self.assertIn("/static/plotly/plotly.min.js", html)
        self.assertIn("/static/js/charts.js", html)
        self.assertIn('<th scope="col">', html)
        self.assertIn('<th scope="row">', html)
        self.assertIn("<caption", html)
        self.assertNotIn("<script>", html)  # no inline script: the CSP forbids it
        self.assertNotIn(" style=", html)
        self.assertContains(response, "800\xa0000 SEK")  # money granted, Swedish format

    def test_it_embeds_the_chart_data_as_json_the_script_can_draw(self):
        self.login(self.alice)
        response = self.client.get(dashboard_url(), HTTP_ACCEPT_LANGUAGE="en")
        chart = response.context["groups"][0].results[0].chart
        self.assertEqual(chart["x"], ["2025 Q1", "2025 Q2", "2025 Q3", "2025 Q4"])
        # The page measures against today, when i7 too is long overdue: Q4 is 1 of 2.
        self.assertEqual(chart["series"][0]["values"], [50.0, 100.0, 0.0, 50.0])
        self.assertEqual(chart["type"], "line")

    def test_it_shows_the_same_numbers_by_year(self):
        self.login(self.alice)
        response = self.client.get(dashboard_url(interval="year", date_from="2024-01-01"))
        self.assertEqual(response.status_code, 200)
        results = {r.indicator.id: r for g in response.context["groups"] for r in g.results}
        self.assertEqual(series(results["inquiries_received"]), [[1], [8]])

    def test_it_shows_the_default_period_and_the_presets(self):
        self.login(self.alice)
        response = self.client.get("/effects/")
        scope = response.context["scope"]
        self.assertEqual(scope.start.month, 1)
        self.assertEqual(scope.end.year - scope.start.year, 2)  # the last three years
        self.assertEqual(
            [p["key"] for p in response.context["presets"]],
            ["this_year", "last_year", "last_3_years"],
        )
        self.assertTrue(response.context["presets"][2]["current"])

    def test_it_refuses_a_period_that_ends_before_it_starts(self):
        self.login(self.alice)
        response = self.client.get(dashboard_url(date_to="2024-01-01"))
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].errors)
        csv_response = self.client.get(
            "/effects/funding.csv?date_from=2025-01-01&date_to=2024-01-01"
        )
        self.assertEqual(csv_response.status_code, 400)

    def test_it_answers_404_for_an_unknown_indicator(self):
        self.login(self.alice)
        self.assertEqual(self.client.get("/effects/nothing.csv").status_code, 404)

    def test_it_downloads_an_indicator_as_csv_with_the_same_filters(self):
        self.login(self.dave)
        response = self.client.get(
            "/effects/funding.csv?date_from=2025-01-01&date_to=2025-12-31",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertIn(
            'attachment; filename="samverkan-funding-2025-01-01-2025-12-31.csv"',
            response["Content-Disposition"],
        )
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        self.assertEqual(rows[0], ["Joint funding applications and money granted"])
        by_label = {row[0]: row[1:] for row in rows if row}
        self.assertEqual(by_label["EUR"], ["500000.00", "50000.50"])  # two decimals on both
        self.assertEqual(by_label["SEK"], ["1200000.00", "800000.00"])
        self.assertEqual(by_label["2025 Q1"], ["2", "1", "0", "50000.50", "0.00"])
        self.assertEqual(by_label["Vinnova"], ["2", "1"])

        filtered = self.client.get(
            "/effects/collaborations.csv?date_from=2025-01-01&date_to=2025-12-31&centre=syd",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        rows = {
            row[0]: row[1:]
            for row in csv.reader(io.StringIO(filtered.content.decode("utf-8-sig")))
            if row
        }
        self.assertEqual(rows["2025 Q2"], ["1", "2"])  # c3 started; c1 and c3 active

    def test_it_downloads_the_repeat_companies_as_csv_and_in_the_workbook(self):
        from openpyxl import load_workbook

        from samverkan.effects.export import xlsx_bytes

        self.login(self.alice)
        response = self.client.get(
            "/effects/repeat_companies.csv?date_from=2025-01-01&date_to=2025-12-31",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        self.assertEqual(response.status_code, 200)
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        self.assertEqual(rows[0], ["Companies with more than one collaboration"])
        by_label = {row[0]: row[1:] for row in rows if row}
        self.assertEqual(by_label["2025 Q1"], ["1", "33.3", "3"])
        self.assertEqual(by_label["Two"], ["1"])
        indicator = get_indicator("repeat_companies")
        assert indicator is not None
        scope = Scope(*YEAR_2025, today=TODAY)
        with translation.override("en"):
            workbook = load_workbook(
                io.BytesIO(xlsx_bytes([(indicator.compute(scope), None)], scope, at(2026, 1, 8)))
            )
        sheet = workbook["Repeat companies"]
        self.assertEqual(sheet["A1"].value, "Companies with more than one collaboration")

    def test_it_never_hands_a_spreadsheet_a_formula(self):
        funding(self.c2, "other", "submitted", "10", "=A1", submitted=datetime.date(2025, 5, 1))
        self.login(self.alice)
        response = self.client.get("/effects/funding.csv?date_from=2025-01-01&date_to=2025-12-31")
        labels = [
            row[0] for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig"))) if row
        ]
        self.assertIn("'=A1", labels)
        self.assertNotIn("=A1", labels)

    def test_it_runs_a_constant_number_of_queries_whatever_the_amount_of_data(self):
        self.login(self.dave)
        url = dashboard_url()
        effects_cache.generation()
        # What computing the figures costs: every stored figure is forgotten.
        forget_figures()
        with CaptureQueriesContext(connection) as small:
            self.assertEqual(self.client.get(url).status_code, 200)
        grow_data(self, 30)
        forget_figures()
        with self.assertNumQueries(len(small.captured_queries)):
            response = self.client.get(url)
        results = {r.indicator.id: r for g in response.context["groups"] for r in g.results}
        self.assertEqual(figures(results["inquiries_received"]), [8 + 30])
        forget_figures()
        with self.assertNumQueries(EXPECTED_DASHBOARD_QUERIES):
            self.client.get(url)
        # Asked again, the figures come from the cache.
        with self.assertNumQueries(EXPECTED_CACHED_QUERIES):
            self.client.get(url)


def forget_figures() -> None:
    caches["default"].clear()
    caches["local"].clear()


# Session and user (2), the infrastructure (1), the committee and centre choices (2), the
# cache's generation (1), the stored figures (1), the pack's expected effects (1), the
# answer target (1), the indicators (20: collaborations by committee, centre and region
# are grouped queries beside the lists they fill; one more once a knowledge-exchange
# provider is set) and storing the figures (5, two of them a savepoint).
EXPECTED_DASHBOARD_QUERIES = 34
# Session and user, the infrastructure, the choices, the generation.
EXPECTED_CACHED_QUERIES = 6


def received(response: Any) -> int:
    """The number of inquiries received the dashboard shows."""
    results = {r.indicator.id: r for g in response.context["groups"] for r in g.results}
    return figures(results["inquiries_received"])[0]


UPDATING = 'class="muted figures-updating"'
# The most queries a page may run (tests/test_scale.py).
MAX_QUERIES = 12


@override_settings(EFFECTS_KNOWLEDGE_EXCHANGE_PROVIDER="")
class DashboardFiguresTestCase(BaseTestCase):
    """Figures are shown at once; after a change the worker computes them again."""

    # A period up to today: the inquiries the tests send arrive in it.
    URL = "/effects/?date_from=2020-01-01"

    def view(self, url: str = URL, queries: int | None = None) -> Any:
        with CaptureQueriesContext(connection) as captured:
            response = self.client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        self.assertEqual(response.status_code, 200)
        if queries is not None:
            self.assertLessEqual(len(captured), queries)
        return response

    def waiting(self, task: Any) -> list[Any]:
        rows = DBTaskResult.objects.filter(status="READY", task_path=task.module_path)
        return [row.args_kwargs["args"] for row in rows]

    def test_after_a_change_it_shows_the_figures_before_and_asks_the_worker_once(self):
        self.login(self.alice)
        self.submit()
        self.assertEqual(received(self.view()), 1)
        with self.captureOnCommitCallbacks(execute=True):
            self.submit()
        for _ in range(3):
            response = self.view(queries=MAX_QUERIES)
            self.assertContains(response, UPDATING)
            self.assertContains(response, "being updated")
            self.assertEqual(received(response), 1)
        # Another process asks too; the queue keeps one run.
        caches["local"].clear()
        self.assertContains(self.view(queries=MAX_QUERIES), UPDATING)
        self.assertEqual(len(self.waiting(refresh_figures)), 1)

        run_queued_tasks()
        self.assertEqual(self.waiting(refresh_figures), [])
        response = self.view(queries=EXPECTED_CACHED_QUERIES + 1)
        self.assertNotContains(response, UPDATING)
        self.assertEqual(received(response), 2)
        # Current figures are read from the front of this process.
        self.assertNotContains(self.view(queries=EXPECTED_CACHED_QUERIES), UPDATING)

    def test_it_computes_in_the_request_filters_nobody_asked_for(self):
        self.login(self.alice)
        self.submit()
        with CaptureQueriesContext(connection) as computed:
            response = self.view("/effects/?date_from=2021-01-01&interval=year")
        self.assertGreater(len(computed), MAX_QUERIES)
        self.assertNotContains(response, UPDATING)
        self.assertEqual(received(response), 1)
        self.assertEqual(self.waiting(refresh_figures), [])

    def test_figures_older_than_the_bound_are_computed_again(self):
        # A change the generation cannot see (a bulk update) shows within MAX_AGE.
        self.login(self.alice)
        response = self.view()
        key = effects_cache.Filters.of(response.context["scope"], "quarter").key("en")
        stored = caches["default"].get(key)
        stored.computed_at -= effects_cache.MAX_AGE
        caches["default"].set(key, stored)
        caches["local"].clear()
        self.assertContains(self.view(), UPDATING)
        self.assertEqual(len(self.waiting(refresh_figures)), 1)

    def test_the_worker_computes_the_default_dashboard_after_a_change(self):
        self.login(self.alice)
        self.view("/effects/")
        with self.captureOnCommitCallbacks(execute=True):
            self.submit()
        with self.captureOnCommitCallbacks(execute=True):
            self.submit()
        # Two changes, one run waiting, a minute ahead: a stream of changes costs the
        # worker one computation a minute at most.
        self.assertEqual(self.waiting(refresh_default_figures), [[]])
        waiting = DBTaskResult.objects.filter(task_path=refresh_default_figures.module_path)
        self.assertGreater(waiting.get().run_after, timezone.now() + datetime.timedelta(seconds=50))
        waiting.update(run_after=timezone.now())
        run_queued_tasks()
        self.assertEqual(self.waiting(refresh_default_figures), [])
        current = effects_cache.generation()
        for language, _name in settings.LANGUAGES:
            stored = caches["default"].get(effects_cache.Filters.default().key(language))
            self.assertEqual(stored.generation, current)
        # Nothing is computed in the request, in either language.
        response = self.view("/effects/", queries=EXPECTED_CACHED_QUERIES + 1)
        self.assertNotContains(response, UPDATING)
        self.assertEqual(received(response), 2)
        with CaptureQueriesContext(connection) as swedish:
            self.client.get("/effects/", HTTP_ACCEPT_LANGUAGE="sv")
        self.assertLessEqual(len(swedish), EXPECTED_CACHED_QUERIES + 1)
        self.assertEqual(self.waiting(refresh_figures), [])


def grow_data(case: Any, n: int) -> None:
    """More of everything: inquiries, collaborations with parties, funding, follow-ups, needs."""
    committees = list(Committee.objects.all())
    for i in range(n):
        org = company(f"Grown {i} AB")
        inquiry(
            org,
            at(2025, 1 + i % 12, 1 + i % 28),
            answered=at(2025, 1 + i % 12, 2 + i % 27),
            status=S.ACCEPTED,
        )
        row = collaboration(
            f"Grown {i}",
            "research",
            "active",
            datetime.date(2025, 1 + i % 12, 1),
            None,
            at(2025, 1, 1),
            companies=(org, case.a),
            infrastructure_parties=(case.skane,),
            committees=(committees[i % len(committees)],),
            centres=(case.syd,),
        )
        funding(
            row, "vinnova", "granted", "1000", granted="500", submitted=datetime.date(2025, 3, 1)
        )
        FollowUp.objects.create(
            collaboration=row,
            kind="interim",
            due_date=datetime.date(2025, 6, 1),
            held_on=datetime.date(2025, 6, 1),
        )
        need(committees[i % len(committees)], Need.Status.PUBLISHED, at(2025, 2, 1), "research")


@override_settings(EFFECTS_KNOWLEDGE_EXCHANGE_PROVIDER="")
class ReportPageTestCase(BaseTestCase):
    def test_it_queues_a_report_and_the_page_polls_until_it_is_ready(self):
        self.login(self.dave)
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            response = self.client.post(
                "/effects/reports/",
                {
                    "date_from": "2025-01-01",
                    "date_to": "2025-12-31",
                    "language": "en",
                    "format": "xlsx",
                },
            )
        report = Report.objects.get()
        self.assertRedirects(response, f"/effects/reports/{report.pk}/")
        self.assertEqual(len(callbacks), 1)  # the worker gets it once the request commits
        self.assertEqual((report.status, report.language, report.format), ("queued", "en", "xlsx"))
        self.assertEqual(report.requested_by, self.dave)

        page = self.client.get(f"/effects/reports/{report.pk}/")
        self.assertContains(page, 'hx-trigger="every 2s"')
        self.assertContains(page, f'href="/effects/reports/{report.pk}/"')  # the fallback link
        partial = self.client.get(f"/effects/reports/{report.pk}/", HTTP_HX_REQUEST="true")
        self.assertContains(partial, 'id="report-status"')
        self.assertNotContains(partial, "<html")
        self.assertEqual(
            self.client.get(f"/effects/reports/{report.pk}/download/").status_code, 404
        )

        Report.objects.filter(pk=report.pk).update(status="done")
        page = self.client.get(f"/effects/reports/{report.pk}/")
        self.assertNotContains(page, "hx-trigger")

    def test_it_shows_form_errors_and_queues_nothing_for_a_bad_request(self):
        self.login(self.alice)
        response = self.client.post(
            "/effects/reports/", {"date_from": "2025-01-01", "language": "en"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].errors)
        self.assertFalse(Report.objects.exists())

    def test_only_readers_of_everything_may_see_a_report(self):
        report = Report.objects.create(
            requested_by=self.alice,
            period_start=datetime.date(2025, 1, 1),
            period_end=datetime.date(2025, 12, 31),
            language="sv",
            format="pdf",
        )
        for user, status in [
            (self.dave, 200),
            (self.erin, 200),
            (self.bob, 403),
            (self.carol, 403),
        ]:
            self.login(user)
            self.assertEqual(self.client.get(f"/effects/reports/{report.pk}/").status_code, status)
            self.assertEqual(
                self.client.get(f"/effects/reports/{report.pk}/download/").status_code,
                404 if status == 200 else 403,
            )
        self.login(self.alice)
        self.assertEqual(self.client.get("/effects/reports/999999/").status_code, 404)

    def test_the_reports_page_runs_a_constant_number_of_queries(self):
        self.login(self.dave)
        for _ in range(30):
            Report.objects.create(
                requested_by=self.alice,
                period_start=datetime.date(2025, 1, 1),
                period_end=datetime.date(2025, 12, 31),
                committee=self.rare,
                centre=Centre.objects.get(slug="syd"),
                language="sv",
                format="pdf",
            )
        # Session, user, the count and the page of reports, the committee and centre choices.
        with self.assertNumQueries(7):
            response = self.client.get("/effects/reports/")
        self.assertContains(response, "badge-report-queued", count=25)  # one page

    def test_plotly_is_served_from_the_installed_package(self):
        from django.contrib.staticfiles import finders

        found = finders.find("plotly/plotly.min.js")
        self.assertTrue(found)
        with open(found, encoding="utf-8") as script:  # type: ignore[arg-type]
            self.assertIn("plotly.js", script.read(300))

    def test_the_action_refuses_a_company_user(self):
        from django.core.exceptions import PermissionDenied

        with self.assertRaises(PermissionDenied):
            actions.do_request_report(self.carol, Scope(*YEAR_2025), language="sv", format="pdf")
        self.assertFalse(Report.objects.exists())


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)


class ReportWorkerTestCase(TransactionTestCase):
    """The worker commits in its own transactions, so these tests commit for real."""

    def setUp(self) -> None:
        self.media = tempfile.mkdtemp(prefix="effects-media-")
        self.addCleanup(shutil.rmtree, self.media, ignore_errors=True)
        settings_override = override_settings(
            MEDIA_ROOT=self.media, EFFECTS_KNOWLEDGE_EXCHANGE_PROVIDER=""
        )
        settings_override.enable()
        self.addCleanup(settings_override.disable)
        # The test reads English labels; the reports choose their own language.
        translation.activate("en")
        self.addCleanup(translation.deactivate)
        self.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        load_reference()
        self.viewer = User.objects.create_user(
            "viewer", "viewer@example.org", "x", role=Role.VIEWER
        )
        self.client.force_login(self.viewer, backend="django.contrib.auth.backends.ModelBackend")
        acme = company("Acme Genomik AB")
        other = company("Beta Bio AB")
        rare = Committee.objects.get(slug="rare_diseases")
        inquiry(
            acme, at(2025, 3, 3, 10), answered=at(2025, 3, 4, 10), status=S.ACCEPTED, routed=(rare,)
        )
        inquiry(other, at(2025, 5, 5, 10), answered=at(2025, 5, 30, 10), status=S.DECLINED)
        inquiry(other, at(2025, 9, 1, 10), answered=at(2025, 9, 2, 10))
        work = collaboration(
            "Shared",
            "research",
            "active",
            datetime.date(2025, 4, 1),
            None,
            at(2025, 3, 10),
            companies=(acme, other),
            committees=(rare,),
        )
        funding(
            work,
            "vinnova",
            "granted",
            "2000000",
            granted="1234567",
            submitted=datetime.date(2025, 4, 2),
            decided=datetime.date(2025, 10, 1),
        )

    def request(self, language: str, fmt: str) -> Report:
        response = self.client.post(
            "/effects/reports/",
            {
                "date_from": "2025-01-01",
                "date_to": "2025-12-31",
                "language": language,
                "format": fmt,
            },
        )
        report = Report.objects.latest("pk")
        self.assertRedirects(response, f"/effects/reports/{report.pk}/")
        self.assertEqual(report.status, Report.Status.QUEUED)
        run_worker()
        report.refresh_from_db()
        self.assertEqual(report.status, Report.Status.DONE, report.error)
        self.assertEqual(report.progress, 100)
        self.assertIsNotNone(report.finished_at)
        return report

    def download(self, report: Report) -> bytes:
        response = self.client.get(f"/effects/reports/{report.pk}/download/")
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment;", response["Content-Disposition"])
        self.assertEqual(response["Cache-Control"], "private, no-store")
        return b"".join(response.streaming_content)

    def test_the_worker_writes_an_excel_workbook_with_a_sheet_per_indicator(self):
        from openpyxl import load_workbook

        report = self.request("en", "xlsx")
        workbook = load_workbook(io.BytesIO(self.download(report)))
        self.assertEqual(len(workbook.sheetnames), 1 + len(INDICATORS))
        self.assertEqual(workbook.sheetnames[0], "Summary")
        for indicator in INDICATORS:
            self.assertIn(str(indicator.short_name), workbook.sheetnames)

        def values(sheet_name: str) -> dict[str, list[Any]]:
            rows = workbook[sheet_name].iter_rows(values_only=True)
            return {str(row[0]): list(row[1:]) for row in rows if row and row[0] is not None}

        received = values("Inquiries received")
        self.assertEqual(received["Inquiries received"][0], 3)
        self.assertEqual(received["2025 Q1"][0], 1)
        self.assertEqual(received["2025 Q3"][0], 1)
        money = values("Joint funding applications")
        self.assertEqual(money["Money granted (SEK)"][:2], [1234567, "SEK"])
        self.assertEqual(money["SEK"][:2], [2000000, 1234567])
        answered = values("Answered in target time")
        self.assertAlmostEqual(answered["Answered within 10 working days"][0], 2 / 3, places=3)
        self.assertIn("No data yet", values("Knowledge exchange"))
        self.assertTrue(workbook["Inquiries received"]._charts)  # a chart of the series

    def test_the_worker_writes_a_pdf_in_the_language_asked_for(self):
        from pypdf import PdfReader

        english = PdfReader(io.BytesIO(self.download(self.request("en", "pdf"))))
        text = " ".join(page.extract_text() for page in english.pages)
        self.assertIn("Effects of industry collaboration", text)
        self.assertIn("1,234,567 SEK", text)  # money granted
        self.assertIn("66.7 %", text)  # answered within 10 working days: 2 of 3
        for indicator in INDICATORS:
            self.assertIn(str(indicator.name)[:25], text)

        swedish = PdfReader(io.BytesIO(self.download(self.request("sv", "pdf"))))
        text = " ".join(page.extract_text() for page in swedish.pages)
        self.assertIn("66,7 %", text)  # Swedish decimals
        self.assertIn("Sällsynta diagnoser", text)  # the committee's Swedish name
        self.assertNotIn("Rare diseases", text)

    def test_a_failing_report_is_marked_failed_and_can_be_asked_for_again(self):
        with mock.patch("samverkan.effects.export.pdf_bytes", side_effect=RuntimeError("no fonts")):
            self.client.post(
                "/effects/reports/",
                {
                    "date_from": "2025-01-01",
                    "date_to": "2025-12-31",
                    "language": "sv",
                    "format": "pdf",
                },
            )
            run_worker()
        report = Report.objects.get()
        self.assertEqual(report.status, Report.Status.FAILED)
        self.assertIn("no fonts", report.error)
        self.assertFalse(report.file)
        self.assertEqual(
            self.client.get(f"/effects/reports/{report.pk}/download/").status_code, 404
        )
        self.assertContains(
            self.client.get(f"/effects/reports/{report.pk}/"), "could not be prepared"
        )


def test_working_days_become_calendar_days_by_the_weekday_of_arrival():
    from samverkan.effects.indicators import calendar_days_allowed

    # Ten working days: the same weekday two weeks later; from a weekend, that Friday.
    assert [calendar_days_allowed(10, day) for day in range(1, 8)] == [14] * 5 + [13, 12]
    # One working day: Friday's answer is due on Monday, the weekend's on Monday too.
    assert [calendar_days_allowed(1, day) for day in range(1, 8)] == [1, 1, 1, 1, 3, 2, 1]
    assert calendar_days_allowed(15, 1) == 21
