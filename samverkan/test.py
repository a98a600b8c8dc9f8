"""Named personas, one per role, shared by every test (Healthchecks' habit).

alice   coordinator (committee for innovation and industry collaboration)
bob     committee member of rare_diseases
carol   company user at Acme Genomik AB
dave    viewer
erin    administrator
mallory company user at another company: must never see Acme's records
oscar   committee member of education only: must never see what is not routed there
"""

import shutil
import tempfile
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.core.management import call_command
from django.test import TestCase, override_settings
from django.utils import translation

from samverkan.accounts.models import Role, User
from samverkan.inquiries import actions
from samverkan.inquiries.models import Gate, Inquiry, PriorityCriterion
from samverkan.orgs.models import Committee, Organisation
from samverkan.reference.loader import load_reference


def valid_orgnr(first_nine: str) -> str:
    from samverkan.lib.orgnr import with_check_digit

    return with_check_digit(first_nine)


ACME_NUMBER = valid_orgnr("556677889")
OTHER_NUMBER = valid_orgnr("559900112")


def intake_payload(**overrides: Any) -> dict[str, Any]:
    """A complete, valid inquiry as the form and the API take it."""
    payload: dict[str, Any] = {
        "organisation_name": "Acme Genomik AB",
        "organisation_number": ACME_NUMBER,
        "foreign_identifier": "",
        "country": "",
        "contact_name": "Ada Lind",
        "contact_email": "ada@acme.example",
        "title": "Helgenomsekvensering för sällsynta sjukdomar",
        "description": "Vi vill testa snabb helgenomsekvensering för nyfödda med sällsynta "
        "sjukdomar och dela varianttolkning.",
        "kinds": ["research", "pilot"],
        "committees": [],
        "resources_offered": "Två bioinformatiker",
        "mutual_benefit": "Snabbare diagnos",
        "other_companies": "",
        "operations_in_sweden": True,
        "consent": True,
    }
    payload.update(overrides)
    return payload


def submit_inquiry(**overrides: Any) -> Inquiry:
    """An inquiry through the real intake action, as if sent from the form."""
    payload = intake_payload(**overrides)
    data = actions.IntakeData(
        organisation_name=payload["organisation_name"],
        organisation_number=payload["organisation_number"],
        foreign_identifier=payload["foreign_identifier"],
        country=payload["country"] or "SE",
        contact_name=payload["contact_name"],
        contact_email=payload["contact_email"],
        title=payload["title"],
        description=payload["description"],
        kinds=payload["kinds"],
        operations_in_sweden=payload["operations_in_sweden"],
    )
    inquiry, _ = actions.do_submit_inquiry(data, language=overrides.get("language", "sv"))
    return inquiry


def run_queued_tasks() -> None:
    """Run the waiting tasks as the worker does, inside the test's transaction (the worker
    command closes the connection, which a TestCase cannot have on PostgreSQL)."""
    from django_tasks_db.models import DBTaskResult

    while waiting := DBTaskResult.objects.ready().order_by("enqueued_at").first():
        waiting.claim("test")
        arguments = waiting.args_kwargs
        waiting.set_successful(waiting.task.call(*arguments["args"], **arguments["kwargs"]))


class BaseTestCase(TestCase):
    password = "correct horse battery staple"
    acme: Organisation
    other: Organisation
    rare: Committee
    informatics: Committee
    education: Committee
    alice: User
    bob: User
    carol: User
    dave: User
    erin: User
    mallory: User
    oscar: User

    @classmethod
    def setUpTestData(cls) -> None:
        load_reference()
        cls.acme = Organisation.objects.create(
            name="Acme Genomik AB", organisation_number=ACME_NUMBER
        )
        cls.other = Organisation.objects.create(
            name="Annat Bolag AB", organisation_number=OTHER_NUMBER
        )
        cls.rare = Committee.objects.get(slug="rare_diseases")
        cls.informatics = Committee.objects.get(slug="informatics")
        cls.education = Committee.objects.get(slug="education")

        cls.alice = cls._user("alice", Role.COORDINATOR)
        cls.bob = cls._user("bob", Role.COMMITTEE)
        cls.carol = cls._user("carol", Role.COMPANY, organisation=cls.acme)
        cls.dave = cls._user("dave", Role.VIEWER)
        cls.erin = cls._user("erin", Role.ADMIN, is_staff=True, is_superuser=True)
        cls.mallory = cls._user("mallory", Role.COMPANY, organisation=cls.other)
        cls.oscar = cls._user("oscar", Role.COMMITTEE)
        cls.rare.members.add(cls.bob)
        cls.education.members.add(cls.oscar)

    @classmethod
    def _user(cls, username: str, role: str, **extra: Any) -> User:
        user = User(username=username, role=role, email=f"{username}@example.org", **extra)
        user.set_password(cls.password)
        user.save()
        return user

    def setUp(self) -> None:
        super().setUp()
        cache.clear()  # rate-limit counters live in the shared cache
        caches["local"].clear()  # and cached pages and figures in this process
        translation.activate(settings.LANGUAGE_CODE)  # no leak from an earlier request

    @classmethod
    def pass_gates(cls, collaboration: Any) -> None:
        """Record every gate as met on a collaboration started without an inquiry."""
        from samverkan.collaborations.actions import do_record_collaboration_gates

        do_record_collaboration_gates(
            collaboration, cls.alice, {g.pk: (True, "") for g in Gate.objects.all()}
        )

    @classmethod
    def meet_principles(cls, agreement: Any) -> None:
        """Answer every agreement principle with "yes", as signing requires."""
        from samverkan.agreements.actions import do_answer_principles
        from samverkan.agreements.models import AgreementPrinciple

        do_answer_principles(
            agreement, cls.alice, {p.slug: ("yes", "") for p in AgreementPrinciple.objects.all()}
        )

    def login(self, user: User) -> None:
        self.client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")

    # Building blocks for inquiries in a given state, through the real actions.

    @classmethod
    def submit(cls, **overrides: Any) -> Inquiry:
        return submit_inquiry(**overrides)

    @classmethod
    def submit_and_work(cls, **overrides: Any) -> Inquiry:
        """An inquiry once the worker has done what its intake queued (matching it to the
        committees, telling the coordinators, sending the e-mails)."""
        with cls.captureOnCommitCallbacks(execute=True):
            inquiry = cls.submit(**overrides)
        run_queued_tasks()
        return inquiry

    @classmethod
    def routed(cls, *committees: Committee, **overrides: Any) -> Inquiry:
        inquiry = cls.submit(**overrides)
        actions.do_route_inquiry(inquiry, cls.alice, committees or [cls.rare])
        inquiry.refresh_from_db()
        return inquiry

    @classmethod
    def assessment_input(
        cls, *, failing: tuple[str, ...] = (), score: int = 2
    ) -> actions.AssessmentInput:
        return actions.AssessmentInput(
            gates={g.pk: (g.slug not in failing, "") for g in Gate.objects.all()},
            scores={c.pk: score for c in PriorityCriterion.objects.all()},
        )

    @classmethod
    def assessed(cls, *, failing: tuple[str, ...] = (), **overrides: Any) -> Inquiry:
        inquiry = cls.routed(**overrides)
        actions.do_save_assessment(
            inquiry, cls.rare, cls.bob, cls.assessment_input(failing=failing)
        )
        inquiry.refresh_from_db()
        return inquiry


class DemoStoryTestCase(TestCase):
    """The reference pack and the demo story, loaded once per class; the story's documents
    go to a folder of the class's own (made before setUpTestData stores them)."""

    with_strategies = False
    media: str

    @classmethod
    def setUpClass(cls) -> None:
        cls.media = tempfile.mkdtemp()
        super().setUpClass()

    @classmethod
    def tearDownClass(cls) -> None:
        shutil.rmtree(cls.media, True)
        super().tearDownClass()

    @classmethod
    def setUpTestData(cls) -> None:
        from samverkan.demo.story import load_demo

        with override_settings(MEDIA_ROOT=cls.media):
            call_command("load_reference", verbosity=0)
            if cls.with_strategies:
                call_command("load_strategies", verbosity=0)
            load_demo("demo-password")

    def pages(self) -> list[str]:
        """Every page of the demo story: the lists, and each record's own page."""
        from samverkan.agreements.models import Agreement
        from samverkan.collaborations.models import Collaboration
        from samverkan.needs.models import Need
        from samverkan.register.models import RegisterEntry
        from samverkan.strategy.models import Strategy

        pages = [
            "/",
            "/inquiries/",
            "/inquiries/?status=declined&status=accepted&status=parked&status=withdrawn",
            "/collaborations/",
            "/collaborations/follow-ups/",
            "/collaborations/lessons/",
            "/organisations/",
            "/committees/",
            "/needs/",
            "/needs/mine/",
            "/needs/coverage/",
            "/register/",
            "/effects/",
            "/strategy/",
            "/notifications/",
        ]
        for inquiry in Inquiry.objects.prefetch_related("routings__committee"):
            pages.append(inquiry.get_absolute_url())
            pages += [
                f"/inquiries/{inquiry.pk}/assess/{routing.committee.slug}/"
                for routing in inquiry.routings.all()
            ]
        pages += [c.get_absolute_url() for c in Collaboration.objects.all()]
        pages += [a.get_absolute_url() for a in Agreement.objects.all()]
        pages += [n.get_absolute_url() for n in Need.objects.all()]
        pages += [f"/register/{e.collaboration_id}/" for e in RegisterEntry.objects.all()]
        pages += [o.get_absolute_url() for o in Organisation.objects.all()]
        pages += [f"/strategy/{s.pk}/" for s in Strategy.objects.all()]
        pages += [f"/committees/{c.slug}/" for c in Committee.objects.all()]
        return sorted(set(pages))
