"""Committee pages (public) and the industry network (the infrastructure's people only):
thin views over `actions.py`. Coordinators and administrators write; viewers and committee
members read."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import (
    CharField,
    Count,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from samverkan.accounts.models import STAFF_ROLES, User
from samverkan.core.decorators import public, role_required
from samverkan.core.exports import Column, export_links, export_response, requested_format
from samverkan.core.http import AuthedRequest
from samverkan.core.models import StaleRecordError
from samverkan.core.pagination import paginate

from . import actions, importing
from .filters import EventFilter, OrganisationFilter
from .forms import (
    CompanyParticipantForm,
    ContactForm,
    EventForm,
    ImportUploadForm,
    InteractionForm,
    MembershipForm,
    MergeForm,
    OrganisationForm,
    SearchForm,
    StaffParticipantForm,
    apply_errors,
)
from .latest import latest_records
from .models import (
    AssociationMembership,
    Committee,
    Contact,
    Event,
    EventParticipant,
    ImportJob,
    Interaction,
    Organisation,
)
from .querysets import NETWORK_READ_ROLES, contacts_search
from .relationship import relationship_over_time

READ = NETWORK_READ_ROLES
WRITE = tuple(sorted(STAFF_ROLES))


# Committees (public) -----------------------------------------------------------------------


@public
def committee_list(request: HttpRequest) -> HttpResponse:
    committees = Committee.objects.annotate(
        published_needs=Count("needs", filter=Q(needs__status="published"))
    )
    return render(request, "orgs/committee_list.html", {"committees": committees})


@public
def committee(request: HttpRequest, slug: str) -> HttpResponse:
    committee = get_object_or_404(Committee, slug=slug)
    # Published and met needs, each with its state (open, being addressed or met).
    needs = committee.needs.public().with_state().order_by("-published_at", "-pk")
    return render(
        request, "orgs/committee.html", {"committee": committee, "page": paginate(request, needs)}
    )


# Helpers -----------------------------------------------------------------------------------


def _get_organisation_for_user(request: AuthedRequest, pk: int) -> Organisation:
    return get_object_or_404(Organisation.objects.visible_to(request.user), pk=pk)


def _get_event_for_user(request: AuthedRequest, pk: int) -> Event:
    if not request.user.has_role(*READ):
        raise Http404
    return get_object_or_404(Event, pk=pk)


def _save(form: Any, action: Callable[[], Any]) -> Any:
    """Run an action for a valid form; put its refusal on the form and answer None."""
    try:
        return action()
    except StaleRecordError as error:
        form.add_error(None, str(error))
    except ValidationError as error:
        apply_errors(form, error)
    return None


def _run(request: HttpRequest, action: Callable[[], Any], done: str) -> Any:
    """Run an action from a button and say how it went."""
    try:
        result = action()
    except StaleRecordError as error:
        messages.error(request, str(error))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
        return result
    return None


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


# Organisations -----------------------------------------------------------------------------

EVENT_COLUMNS = [
    Column(gettext_lazy("Title"), "title"),
    Column(gettext_lazy("Kind"), lambda e: e.get_kind_display()),
    Column(gettext_lazy("Date"), "date"),
    Column(gettext_lazy("Place"), "location"),
    Column(gettext_lazy("Participants"), "participant_count"),
    Column(gettext_lazy("Companies"), "company_count"),
]
ORGANISATION_COLUMNS = [
    Column(gettext_lazy("Name"), "name"),
    Column(gettext_lazy("Kind"), lambda o: o.get_kind_display()),
    Column(gettext_lazy("Organisation number"), "organisation_number"),
    Column(gettext_lazy("Foreign identifier"), "foreign_identifier"),
    Column(gettext_lazy("Country"), "country"),
    Column(gettext_lazy("Website"), "website"),
    Column(
        gettext_lazy("Associations"),
        lambda o: [m.association.name for m in o.memberships.all()],
    ),
    Column(gettext_lazy("Contacts"), "contact_count"),
    Column(gettext_lazy("Collaborations"), "collaboration_count"),
    Column(gettext_lazy("Latest interaction"), "last_interaction"),
]


def _organisation_rows(user: Any, data: QueryDict) -> OrganisationFilter:
    queryset = (
        Organisation.objects.visible_to(user)
        .with_list_facts()
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=AssociationMembership.objects.select_related("association").order_by(
                    "association__name"
                ),
            )
        )
    )
    return OrganisationFilter(data, queryset=queryset)


def organisation_export(user: Any, data: QueryDict) -> tuple[QuerySet, list[Column]]:
    """The list as the worker writes it to a workbook (see core.exports)."""
    return _organisation_rows(user, data).qs, ORGANISATION_COLUMNS


@role_required(*READ)
def organisation_list(request: AuthedRequest) -> HttpResponseBase:
    filterset = _organisation_rows(request.user, request.GET)
    fmt = requested_format(request)
    if fmt:
        return export_response(
            filterset.qs,
            ORGANISATION_COLUMNS,
            fmt=fmt,
            filename="organisations",
            request=request,
            source="samverkan.orgs.views.organisation_export",
        )
    context = {
        "filter": filterset,
        "page": paginate(request, filterset.qs),
        "exports": export_links(request),
        "can_write": request.user.has_role(*WRITE),
    }
    template = (
        "orgs/organisation_list.html#results" if request.htmx else "orgs/organisation_list.html"
    )
    return render(request, template, context)


# A large company's page shows its latest records, not all of them (thousands, for some).
LATEST_SHOWN = 20
CONTACTS_SHOWN = 50


def _latest(queryset: QuerySet, n: int = LATEST_SHOWN) -> tuple[list[Any], bool]:
    """The first n rows, and whether there are more, in one query."""
    rows = list(queryset[: n + 1])
    return rows[:n], len(rows) > n


def _memberships(
    organisation: Organisation,
) -> tuple[list[AssociationMembership], list[Any], list[AssociationMembership]]:
    """The organisation's memberships, every association it could join and, for an
    association, its members, in one query."""
    mine = AssociationMembership.objects.filter(
        organisation=organisation, association=OuterRef("pk")
    )
    is_association = organisation.kind == Organisation.Kind.ASSOCIATION
    member = AssociationMembership.objects.filter(association=organisation)
    annotated = Organisation.objects.order_by().annotate(
        membership_id=Subquery(mine.values("pk")[:1]),
        since=Subquery(mine.values("since")[:1]),
        is_member=Exists(member.filter(organisation=OuterRef("pk")))
        if is_association
        else Value(False),
    )
    wanted = annotated.filter(kind=Organisation.Kind.ASSOCIATION).exclude(pk=organisation.pk)
    if is_association:
        # Two parts rather than one OR, so each reads its own index.
        wanted = wanted.union(annotated.filter(pk__in=member.values("organisation_id")))
    rows: list[Any] = list(wanted.order_by("name", "pk"))
    associations = [
        a for a in rows if a.kind == Organisation.Kind.ASSOCIATION and a.pk != organisation.pk
    ]
    memberships = [
        AssociationMembership(
            pk=a.membership_id, organisation=organisation, association=a, since=a.since
        )
        for a in associations
        if a.membership_id is not None
    ]
    members = [
        AssociationMembership(organisation=o, association=organisation) for o in rows if o.is_member
    ]
    return memberships, [a for a in associations if a.membership_id is None], members


def _with_people(interactions: list[Interaction]) -> None:
    """Give each interaction its participants, theirs (`their_people`) and ours
    (`our_people`), from one query over both lists."""
    if not interactions:
        return
    ids = [i.pk for i in interactions]
    text: CharField[str, str] = CharField()
    columns = ("interaction_id", "side", "person", "name", "first", "last", "erased")
    theirs = (
        Interaction.contacts.through.objects.filter(interaction_id__in=ids)
        .annotate(
            side=Value("theirs", output_field=text),
            person=F("contact_id"),
            name=F("contact__name"),
            first=Value("", output_field=text),
            last=Value("", output_field=text),
            erased=F("contact__erased_at"),
        )
        .values_list(*columns)
    )
    ours = (
        Interaction.participants.through.objects.filter(interaction_id__in=ids)
        .annotate(
            side=Value("ours", output_field=text),
            person=F("user_id"),
            name=F("user__username"),
            first=F("user__first_name"),
            last=F("user__last_name"),
            erased=Cast(Value(None), output_field=DateTimeField()),
        )
        .values_list(*columns)
    )
    people: dict[int, dict[str, list[Any]]] = {i: {"theirs": [], "ours": []} for i in ids}
    for interaction_id, side, person, name, first, last, erased in theirs.union(ours, all=True):
        if side == "theirs":
            people[interaction_id][side].append(Contact(pk=person, name=name, erased_at=erased))
        else:
            people[interaction_id][side].append(
                User(pk=person, username=name, first_name=first, last_name=last)
            )
    for interaction in interactions:
        found = people[interaction.pk]
        # Their people by name, as the contacts list; ours as the page always showed them.
        interaction.their_people = sorted(found["theirs"], key=lambda c: (c.name, c.pk))  # type: ignore[attr-defined]
        interaction.our_people = sorted(found["ours"], key=lambda u: u.pk)  # type: ignore[attr-defined]


@role_required(*READ)
def organisation_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    # The number of interactions comes with the organisation, for their pagination.
    organisation = get_object_or_404(
        Organisation.objects.visible_to(request.user).annotate(
            interaction_count=Subquery(
                Interaction.objects.filter(organisation=OuterRef("pk"))
                .order_by()
                .values("organisation")
                .annotate(n=Count("pk"))
                .values("n")
            )
        ),
        pk=pk,
    )
    user = request.user
    latest = latest_records(organisation, user, LATEST_SHOWN)
    contacts, more_contacts = _latest(organisation.contacts.order_by("name", "pk"), CONTACTS_SHOWN)
    memberships, associations, members = _memberships(organisation)
    interactions = paginate(
        request,
        organisation.interactions.select_related("created_by", "event"),
        count=organisation.interaction_count or 0,
    )
    _with_people(list(interactions))
    context: dict[str, Any] = {
        "organisation": organisation,
        "contacts": contacts,
        "memberships": memberships,
        "members": members,
        "inquiries": latest["inquiries"].rows,
        "relationship": relationship_over_time(organisation, user),
        "collaborations": latest["collaborations"].rows,
        "agreements": latest["agreements"].rows,
        "events": latest["events"].rows,
        "more": {"contacts": more_contacts} | {s: latest[s].more for s in latest},
        "shown": LATEST_SHOWN,
        "contacts_shown": CONTACTS_SHOWN,
        "interactions": interactions,
        "can_write": user.has_role(*WRITE),
    }
    if context["can_write"]:
        form = MembershipForm(organisation=organisation)
        # The associations it may join, from the query that found its memberships.
        field: Any = form.fields["association"]
        field.choices = [("", field.empty_label)] + [(str(a.pk), a.name) for a in associations]
        context["membership_form"] = form
    return render(request, "orgs/organisation_detail.html", context)


@role_required(*WRITE)
def organisation_create(request: AuthedRequest) -> HttpResponse:
    form = OrganisationForm(_posted(request), initial={"country": "SE"})
    if request.method == "POST" and form.is_valid():
        organisation = _save(
            form,
            lambda: actions.do_save_organisation(request.user, form.organisation_data()),
        )
        if organisation:
            messages.success(request, _("The organisation is added."))
            return redirect(organisation)
    return render(request, "orgs/organisation_form.html", {"form": form, "organisation": None})


@role_required(*WRITE)
def organisation_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    organisation = _get_organisation_for_user(request, pk)
    if request.method == "POST":
        form = OrganisationForm(request.POST)
        if form.is_valid() and _save(
            form,
            lambda: actions.do_save_organisation(
                request.user,
                form.organisation_data(),
                organisation,
                expected_version=form.cleaned_data["version"],
            ),
        ):
            messages.success(request, _("The organisation is saved."))
            return redirect(organisation)
    else:
        form = OrganisationForm(initial=OrganisationForm.initial_for(organisation))
    return render(
        request, "orgs/organisation_form.html", {"form": form, "organisation": organisation}
    )


@role_required(*WRITE)
def contact_create(request: AuthedRequest, pk: int) -> HttpResponse:
    organisation = _get_organisation_for_user(request, pk)
    form = ContactForm(_posted(request))
    if (
        request.method == "POST"
        and form.is_valid()
        and _save(
            form,
            lambda: actions.do_save_contact(request.user, organisation, form.contact_data()),
        )
    ):
        messages.success(request, _("The contact is added."))
        return redirect(organisation)
    return render(
        request,
        "orgs/contact_form.html",
        {"form": form, "organisation": organisation, "contact": None},
    )


@role_required(*WRITE)
def contact_edit(request: AuthedRequest, pk: int, contact_pk: int) -> HttpResponse:
    organisation = _get_organisation_for_user(request, pk)
    contact = get_object_or_404(Contact, organisation=organisation, pk=contact_pk)
    if request.method == "POST":
        form = ContactForm(request.POST)
        if form.is_valid() and _save(
            form,
            lambda: actions.do_save_contact(
                request.user,
                organisation,
                form.contact_data(contact),
                contact,
                expected_version=form.cleaned_data["version"],
            ),
        ):
            messages.success(request, _("The contact is saved."))
            return redirect(organisation)
    else:
        form = ContactForm(initial=ContactForm.initial_for(contact))
    return render(
        request,
        "orgs/contact_form.html",
        {"form": form, "organisation": organisation, "contact": contact},
    )


@require_POST
@role_required(*WRITE)
def membership_add(request: AuthedRequest, pk: int) -> HttpResponse:
    organisation = _get_organisation_for_user(request, pk)
    form = MembershipForm(request.POST, organisation=organisation)
    if form.is_valid():
        _run(
            request,
            lambda: actions.do_add_membership(
                request.user,
                organisation,
                form.cleaned_data["association"],
                form.cleaned_data["since"],
            ),
            _("The membership is added."),
        )
    else:
        messages.error(request, _("Choose an association it is not yet a member of."))
    return redirect(organisation)


@require_POST
@role_required(*WRITE)
def membership_remove(request: AuthedRequest, pk: int, membership_pk: int) -> HttpResponse:
    organisation = _get_organisation_for_user(request, pk)
    membership = get_object_or_404(
        AssociationMembership, organisation=organisation, pk=membership_pk
    )
    _run(
        request,
        lambda: actions.do_remove_membership(request.user, membership),
        _("The membership is removed."),
    )
    return redirect(organisation)


@role_required(*WRITE)
def interaction_create(request: AuthedRequest, pk: int) -> HttpResponse:
    organisation = _get_organisation_for_user(request, pk)
    form = InteractionForm(_posted(request), organisation=organisation)
    if (
        request.method == "POST"
        and form.is_valid()
        and _save(
            form,
            lambda: actions.do_log_interaction(request.user, organisation, form.interaction_data()),
        )
    ):
        messages.success(request, _("The interaction is logged."))
        return redirect(organisation)
    return render(
        request, "orgs/interaction_form.html", {"form": form, "organisation": organisation}
    )


@role_required(*WRITE)
def merge(request: AuthedRequest, pk: int) -> HttpResponse:
    """Find the duplicate, compare the two, choose the one to keep, merge."""
    organisation = _get_organisation_for_user(request, pk)
    other = None
    other_id = request.POST.get("other") or request.GET.get("other")
    if other_id and str(other_id).isdigit() and int(other_id) != organisation.pk:
        other = Organisation.objects.filter(pk=int(other_id)).first()
    form = None
    if other is not None:
        form = MergeForm(
            _posted(request),
            initial={
                "other": other.pk,
                "this_version": organisation.version,
                "other_version": other.version,
            },
        )
        if request.method == "POST" and form.is_valid():
            keep_this = form.cleaned_data["keep"] == MergeForm.KEEP_THIS
            keep, duplicate = (organisation, other) if keep_this else (other, organisation)
            versions = (form.cleaned_data["this_version"], form.cleaned_data["other_version"])
            keep_version, duplicate_version = versions if keep_this else versions[::-1]
            result = _save(
                form,
                lambda: actions.do_merge_organisations(
                    request.user,
                    keep,
                    duplicate,
                    keep_version=keep_version,
                    duplicate_version=duplicate_version,
                ),
            )
            if result:
                messages.success(
                    request,
                    _("The organisations are merged: %(moved)s records moved to %(name)s.")
                    % {"moved": sum(result.moved.values()), "name": keep.name},
                )
                return redirect(keep)
    query = request.GET.get("q", "").strip()
    candidates = []
    if query and other is None:
        candidates = list(Organisation.objects.search(query).exclude(pk=organisation.pk)[:20])
    refers = actions.merge_previews([organisation, other]) if other else [[], []]
    context = {
        "organisation": organisation,
        "other": other,
        "form": form,
        "query": query,
        "candidates": candidates,
        "this_refers": refers[0],
        "other_refers": refers[1],
    }
    return render(request, "orgs/merge.html", context)


# Search ------------------------------------------------------------------------------------


@role_required(*READ)
def search(request: AuthedRequest) -> HttpResponse:
    """Organisations and contacts in one list, by name."""
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    page = None
    if query:
        fields = ("result_kind", "result_name", "detail", "org_id", "org_name", "result_id")
        organisations = (
            Organisation.objects.visible_to(request.user)
            .search(query)
            .order_by()
            .annotate(
                result_kind=Value("organisation"),
                result_name=F("name"),
                detail=F("organisation_number"),
                org_id=F("pk"),
                org_name=F("name"),
                result_id=F("pk"),
            )
            .values_list(*fields)
        )
        people = (
            contacts_search(Contact.objects.all(), query)
            .order_by()
            .annotate(
                result_kind=Value("contact"),
                result_name=F("name"),
                detail=F("email"),
                org_id=F("organisation_id"),
                org_name=F("organisation__name"),
                result_id=F("pk"),
            )
            .values_list(*fields)
        )
        results = organisations.union(people, all=True).order_by(
            "result_name", "result_kind", "result_id"
        )
        page = Paginator(results, 25).get_page(request.GET.get("page"))
        page.object_list = [dict(zip(fields, row, strict=True)) for row in page.object_list]
    context = {
        "form": form,
        "query": query,
        "page": page,
        "can_write": request.user.has_role(*WRITE),
    }
    return render(request, "orgs/search.html", context)


# Events ------------------------------------------------------------------------------------


@role_required(*READ)
def event_list(request: AuthedRequest) -> HttpResponseBase:
    queryset = Event.objects.annotate(
        participant_count=Count("participants", distinct=True),
        company_count=Count(
            "participants__organisation",
            filter=Q(participants__organisation__kind=Organisation.Kind.COMPANY),
            distinct=True,
        ),
    ).order_by("-date", "-pk")
    filterset = EventFilter(request.GET, queryset=queryset)
    fmt = requested_format(request)
    if fmt:
        return export_response(
            filterset.qs, EVENT_COLUMNS, fmt=fmt, filename="events", request=request
        )
    context = {
        "filter": filterset,
        "page": paginate(request, filterset.qs),
        "can_write": request.user.has_role(*WRITE),
        "exports": export_links(request),
    }
    return render(request, "orgs/event_list.html", context)


@role_required(*READ)
def event_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    participants = list(
        event.participants.select_related("organisation", "contact", "user").order_by(
            "organisation__name", "pk"
        )
    )
    context: dict[str, Any] = {
        "event": event,
        "committees": list(event.committees.all()),
        "staff_participants": [p for p in participants if p.user_id],
        "company_participants": [p for p in participants if not p.user_id],
        "can_write": request.user.has_role(*WRITE),
    }
    if context["can_write"]:
        context["staff_form"] = StaffParticipantForm(prefix="staff")
        context["company_form"] = CompanyParticipantForm(prefix="company")
    return render(request, "orgs/event_detail.html", context)


@role_required(*WRITE)
def event_create(request: AuthedRequest) -> HttpResponse:
    form = EventForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        event = _save(form, lambda: actions.do_save_event(request.user, form.event_data()))
        if event:
            messages.success(request, _("The event is added."))
            return redirect(event)
    return render(request, "orgs/event_form.html", {"form": form, "event": None})


@role_required(*WRITE)
def event_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    if request.method == "POST":
        form = EventForm(request.POST)
        if form.is_valid() and _save(
            form,
            lambda: actions.do_save_event(
                request.user,
                form.event_data(),
                event,
                expected_version=form.cleaned_data["version"],
            ),
        ):
            messages.success(request, _("The event is saved."))
            return redirect(event)
    else:
        form = EventForm(initial=EventForm.initial_for(event))
    return render(request, "orgs/event_form.html", {"form": form, "event": event})


@require_POST
@role_required(*WRITE)
def participant_add(request: AuthedRequest, pk: int) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    if request.POST.get("from") == "staff":
        staff = StaffParticipantForm(request.POST, prefix="staff")
        if staff.is_valid():
            _run(
                request,
                lambda: actions.do_add_event_participant(
                    request.user,
                    event,
                    organisation=staff.cleaned_data["organisation"],
                    user=staff.cleaned_data["user"],
                ),
                _("The participant is added."),
            )
        else:
            for errors in staff.errors.values():
                for error in errors:
                    messages.error(request, str(error))
    else:
        company = CompanyParticipantForm(request.POST, prefix="company")
        if company.is_valid():
            _run(
                request,
                lambda: actions.do_add_event_participant(
                    request.user,
                    event,
                    organisation=company.cleaned_data["organisation"],
                    contact=company.cleaned_data["contact"],
                ),
                _("The participant is added, and the event is logged for the organisation."),
            )
        else:
            for errors in company.errors.values():
                for error in errors:
                    messages.error(request, str(error))
    return redirect(event)


@require_POST
@role_required(*WRITE)
def participant_remove(request: AuthedRequest, pk: int, participant_pk: int) -> HttpResponse:
    event = _get_event_for_user(request, pk)
    participant = get_object_or_404(EventParticipant, event=event, pk=participant_pk)
    _run(
        request,
        lambda: actions.do_remove_event_participant(request.user, participant),
        _("The participant is removed."),
    )
    return redirect(event)


# Import ------------------------------------------------------------------------------------


def _get_import_for_user(request: AuthedRequest, pk: int) -> ImportJob:
    if not request.user.has_role(*WRITE):
        raise PermissionDenied
    return get_object_or_404(ImportJob.objects.select_related("created_by"), pk=pk)


@role_required(*WRITE)
def import_start(request: AuthedRequest) -> HttpResponse:
    form = ImportUploadForm(_posted(request), request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = _save(form, lambda: actions.do_start_import(request.user, form.cleaned_data["file"]))
        if job:
            return redirect(job)
    recent = ImportJob.objects.select_related("created_by")[:10]
    return render(
        request,
        "orgs/import_start.html",
        {"form": form, "recent": recent, "columns": importing.COLUMNS},
    )


@role_required(*WRITE)
def import_template(request: AuthedRequest) -> HttpResponse:
    response = HttpResponse(
        "\ufeff" + importing.template_csv(), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="organisations-template.csv"'
    return response


PREVIEW_FILTERS = {
    "all": gettext_lazy("All rows"),
    importing.CREATE: gettext_lazy("To create"),
    importing.UPDATE: gettext_lazy("To update"),
    importing.REFUSE: gettext_lazy("Refused"),
}


@role_required(*WRITE)
def import_job(request: AuthedRequest, pk: int) -> HttpResponse:
    job = _get_import_for_user(request, pk)
    progress = actions.import_progress(job)
    if request.htmx:
        if job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
            return HttpResponseClientRefresh()
        return render(request, "orgs/import_job.html#progress", {"job": job, "progress": progress})
    show = request.GET.get("show", "all")
    if show not in PREVIEW_FILTERS:
        show = "all"
    rows = [row for row in job.preview if show == "all" or row["action"] == show]
    context = {
        "job": job,
        "progress": progress,
        "page": Paginator(rows, 50).get_page(request.GET.get("page")),
        "show": show,
        "filters": PREVIEW_FILTERS,
        "threshold": importing.WORKER_THRESHOLD,
    }
    return render(request, "orgs/import_job.html", context)


@require_POST
@role_required(*WRITE)
def import_confirm(request: AuthedRequest, pk: int) -> HttpResponse:
    job = _get_import_for_user(request, pk)
    version = request.POST.get("version", "")
    try:
        job = actions.do_confirm_import(
            request.user, job, expected_version=int(version) if version.isdigit() else None
        )
    except (StaleRecordError, ValidationError) as error:
        for message in getattr(error, "messages", [str(error)]):
            messages.error(request, message)
        return redirect(job)
    if job.status == ImportJob.Status.DONE:
        messages.success(request, _("The rows are imported."))
    elif job.status == ImportJob.Status.QUEUED:
        messages.success(request, _("The import runs in the background; this page follows it."))
    elif job.status == ImportJob.Status.FAILED:
        messages.error(request, _("The import failed; nothing was stored."))
    else:  # the network changed since the preview: a new preview waits
        messages.warning(request, _("Nothing was imported: check the new preview."))
    return redirect(job)


@require_POST
@role_required(*WRITE)
def import_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    job = _get_import_for_user(request, pk)
    version = request.POST.get("version", "")
    _run(
        request,
        lambda: actions.do_cancel_import(
            request.user, job, expected_version=int(version) if version.isdigit() else None
        ),
        _("The import is cancelled and the file deleted."),
    )
    return redirect("network:import")
