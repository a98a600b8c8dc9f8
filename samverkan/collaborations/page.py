"""What a collaboration's page shows, read in a fixed number of queries however many
parties, funding applications, agreements, communications and follow-ups it has.

One query each for the named lists beside the facts (committees, centres, goals and the
needs it answers, read together as one UNION ALL), the parties, the follow-ups with their
answers counted, the funding applications with their applicants' names, the agreements,
the communications (with the names they must mention) and, for coordinators, the gates
with the answers recorded on the collaboration. Who the collaboration still waits for is
a panel of its own (`views.waiting`), loaded after the page.
"""

from collections.abc import Iterable
from typing import Any

from django.db.models import (
    CharField,
    Count,
    F,
    FilteredRelation,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
)

from samverkan.accounts.models import STAFF_ROLES, User
from samverkan.inquiries.models import Gate
from samverkan.needs.models import Need
from samverkan.orgs.models import Centre, Committee
from samverkan.strategy.models import Goal

from .access import company_organisation_id, get_collaboration_for_user
from .models import (
    Collaboration,
    CollaborationGateAnswer,
    CommunicationActivity,
    FollowUp,
    FundingApplication,
    gate_problems,
)


def collaboration_for_page(user: User, pk: int) -> Collaboration:
    """The collaboration with what its header needs: whether the accepted inquiry's
    assessments met the gates, whether it waits for a party, and its follow-ups (the
    status reads them), with the answers the user may see counted."""
    own = company_organisation_id(user)
    # Company users see only their own organisation's answers.
    answers = Q(answers__organisation_id=own) if own is not None else None
    follow_ups = FollowUp.objects.annotate(answer_count=Count("answers", filter=answers))
    return get_collaboration_for_user(
        user,
        pk,
        Collaboration.objects.with_gates_met_in_inquiry()
        .with_waiting()
        .prefetch_related(Prefetch("follow_ups", queryset=follow_ups)),
    )


def _named(
    kind: str, queryset: QuerySet[Any], sv: str, en: str, number: Any = None
) -> QuerySet[Any]:
    return (
        queryset.order_by()
        .annotate(
            part=Value(kind, output_field=CharField()),
            label_sv=F(sv),
            label_en=F(en),
            position=number if number is not None else Value(0, output_field=IntegerField()),
        )
        .values_list("part", "pk", "label_sv", "label_en", "position")
    )


def named_lists(user: User, collaboration: Collaboration) -> dict[str, list[Any]]:
    """Its committees, centres, goals and the needs it answers that the user may see:
    one query."""
    parts = [
        _named("committees", collaboration.committees.all(), "name_sv", "name_en"),
        _named("centres", collaboration.centres.all(), "name_sv", "name_en"),
        _named("goals", collaboration.goals.all(), "text_sv", "text_en", F("number")),
        _named(
            "needs",
            Need.objects.visible_to(user).filter(collaboration_links__collaboration=collaboration),
            "title",
            "title_en",
        ),
    ]
    lists: dict[str, list[Any]] = {"committees": [], "centres": [], "goals": [], "needs": []}
    for part, pk, sv, en, number in parts[0].union(*parts[1:], all=True):
        if part == "committees":
            lists[part].append(Committee(pk=pk, name_sv=sv, name_en=en))
        elif part == "centres":
            lists[part].append(Centre(pk=pk, name_sv=sv, name_en=en))
        elif part == "goals":
            lists[part].append(Goal(pk=pk, number=number, text_sv=sv, text_en=en))
        else:
            lists[part].append(Need(pk=pk, title=sv, title_en=en))
    # The order each list has on its own pages.
    lists["committees"].sort(key=lambda c: c.name_sv)
    lists["centres"].sort(key=lambda c: c.name_sv)
    lists["goals"].sort(key=lambda g: g.number)
    lists["needs"].sort(key=lambda n: (n.title, n.pk))
    return lists


def funding(collaboration: Collaboration) -> list[FundingApplication]:
    """The funding applications, newest first, each with `applicant_names`: one query,
    a row per applicant."""
    rows = (
        collaboration.funding_applications.select_related("funder")
        .annotate(applicant=F("applicants__name"))
        .order_by("-created_at", "-pk", "applicant")
    )
    applications: dict[int, FundingApplication] = {}
    for row in rows:
        application = applications.setdefault(row.pk, row)
        if application is row:
            application.applicant_names = []  # type: ignore[attr-defined]
        if row.applicant is not None:
            application.applicant_names.append(row.applicant)  # type: ignore[attr-defined]
    return list(applications.values())


def communications(collaboration: Collaboration) -> list[CommunicationActivity]:
    """The communication activities, each knowing the names it must mention."""
    return list(collaboration.communications.with_required_names())


def gates(collaboration: Collaboration) -> tuple[list[CollaborationGateAnswer], list[str]]:
    """The gate answers recorded on the collaboration, and what the gates still lack
    (nothing when the accepted inquiry's assessments met them): one query."""
    rows = Gate.objects.annotate(
        answer=FilteredRelation(
            "collaborationgateanswer",
            condition=Q(collaborationgateanswer__collaboration=collaboration),
        )
    ).select_related("answer__recorded_by")  # type: ignore[misc]
    answers = {}
    for gate in rows:
        # Set only where the collaboration has an answer for the gate.
        answer = getattr(gate, "answer", None)
        if answer is not None:
            answer.gate = gate
            answers[gate.pk] = answer
    problems = [] if collaboration.inherited_gates() else gate_problems(rows, answers)
    return list(answers.values()), problems


def detail_context(user: User, collaboration: Collaboration) -> dict[str, Any]:
    own = company_organisation_id(user)
    can_manage = user.has_role(*STAFF_ROLES)
    # Company users see only their own organisation's agreements.
    agreements = collaboration.agreements.order_by("-created_at", "-pk")
    if own is not None:
        agreements = agreements.filter(parties=own)
    parties = list(collaboration.parties.select_related("organisation", "approver"))
    applications = funding(collaboration)
    context: dict[str, Any] = {
        **named_lists(user, collaboration),
        "parties": parties,
        "funding": applications,
        "totals": funding_totals(applications),
        "agreements": agreements,
        "communications": communications(collaboration),
        "follow_ups": collaboration.follow_ups.all(),
    }
    if can_manage:
        context["gate_answers"], gate_blockers = gates(collaboration)
        if collaboration.status == Collaboration.Status.PLANNED:
            roles = {party.role for party in parties}
            context["start_blockers"] = gate_blockers + collaboration.setup_blockers(roles)
            context["gates_inherited"] = collaboration.inherited_gates()
    return context


def funding_totals(applications: Iterable[FundingApplication]) -> list[dict[str, Any]]:
    """Applied for and granted, one row per currency: amounts in different currencies
    are never added together. From the rows the page shows (a collaboration has few)."""
    totals: dict[str, dict[str, Any]] = {}
    for application in applications:
        row = totals.setdefault(
            application.currency,
            {"currency": application.currency, "applied": None, "granted": None},
        )
        for name, amount in (
            ("applied", application.amount_applied),
            ("granted", application.amount_granted),
        ):
            if amount is not None:
                row[name] = (row[name] or 0) + amount
    return [totals[currency] for currency in sorted(totals)]
