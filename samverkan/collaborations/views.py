"""Collaboration pages: thin views over the actions in `actions.py`."""

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from samverkan.accounts.models import READ_ALL_ROLES, STAFF_ROLES, Role, User
from samverkan.core.decorators import role_required
from samverkan.core.exports import Column, export_links, export_response, requested_format
from samverkan.core.http import AuthedRequest
from samverkan.core.models import StaleRecordError
from samverkan.core.pagination import paginate

from . import actions, links, page
from .access import company_organisation_id, get_collaboration_for_user
from .filters import CollaborationFilter, LessonFilter
from .forms import (
    CollaborationEditForm,
    CollaborationForm,
    FollowUpAnswerForm,
    FollowUpCreateForm,
    FollowUpRecordForm,
    FundingEditForm,
    FundingForm,
    GatesForm,
    PartyForm,
    ResendForm,
    StatusForm,
    apply_errors,
    resend_forms,
)
from .history import history_items
from .models import (
    Collaboration,
    CollaborationParty,
    FollowUp,
    FundingApplication,
    PartyRequest,
    PartyRequestPurpose,
)

ALL_ROLES = tuple(Role.values)
NOT_COMPANY = (Role.COMMITTEE, *READ_ALL_ROLES)
UPCOMING_DAYS = 60


def _save(form: Any, action: Any) -> Any:
    """Run an action for a valid form; put its refusal on the form and answer None."""
    try:
        return action()
    except StaleRecordError as error:
        form.add_error(None, str(error))
    except ValidationError as error:
        apply_errors(form, error)
    return None


def _posted(request: AuthedRequest) -> Any:
    return request.POST if request.method == "POST" else None


# Lists -----------------------------------------------------------------------------------


# The record and the answer forms share field names; distinct ids keep labels on their fields.
RECORD_IDS = "record_%s"
ANSWER_IDS = "answer_%s"


def _collaboration_rows(user: Any, data: QueryDict) -> CollaborationFilter:
    queryset = (
        Collaboration.objects.visible_to(user)
        .prefetch_related(
            Prefetch(
                "parties",
                queryset=CollaborationParty.objects.filter(role=CollaborationParty.Role.COMPANY)
                .select_related("organisation")
                .order_by("organisation__name"),
                to_attr="company_parties",
            ),
            "committees",
            Prefetch(
                "follow_ups",
                queryset=FollowUp.objects.filter(kind=FollowUp.Kind.FINAL),
            ),
        )
        .select_related("register_entry")
        .order_by("-created_at", "-pk")
    )
    return CollaborationFilter(data, queryset=queryset)


def collaboration_export(user: Any, data: QueryDict) -> tuple[QuerySet, list[Column]]:
    """The list as the worker writes it to a workbook (see core.exports)."""
    return _collaboration_rows(user, data).qs, COLLABORATION_COLUMNS


@role_required(*ALL_ROLES)
def collaboration_list(request: AuthedRequest) -> HttpResponseBase:
    filterset = _collaboration_rows(request.user, request.GET)
    fmt = requested_format(request)
    if fmt:
        return export_response(
            filterset.qs,
            COLLABORATION_COLUMNS,
            fmt=fmt,
            filename="collaborations",
            request=request,
            source="samverkan.collaborations.views.collaboration_export",
        )
    page = paginate(request, filterset.qs)
    context = {
        "filter": filterset,
        "page": page,
        "can_create": request.user.has_role(*STAFF_ROLES),
        "exports": export_links(request),
        "in_correction": (
            filterset.queryset.filter(register_entry__state="preview").count()
            if request.user.has_role(*STAFF_ROLES) and not request.htmx
            else 0
        ),
    }
    template = "collaborations/list.html#results" if request.htmx else "collaborations/list.html"
    return render(request, template, context)


COLLABORATION_COLUMNS = [
    Column(gettext_lazy("Title"), "title"),
    Column(gettext_lazy("Kind"), lambda c: c.get_kind_display()),
    Column(gettext_lazy("Status"), lambda c: c.get_status_display()),
    Column(gettext_lazy("Start date"), "start_date"),
    Column(gettext_lazy("End date"), "end_date"),
    Column(
        gettext_lazy("Companies"),
        lambda c: ", ".join(p.organisation.name for p in c.company_parties),
    ),
    Column(gettext_lazy("Committees"), lambda c: ", ".join(m.name for m in c.committees.all())),
]


FOLLOW_UP_COLUMNS = [
    Column(gettext_lazy("Collaboration"), "collaboration.title"),
    Column(gettext_lazy("Kind"), lambda f: f.get_kind_display()),
    Column(gettext_lazy("Due"), "due_date"),
    Column(
        gettext_lazy("Responsible coordinator"), lambda f: str(f.collaboration.responsible or "")
    ),
]
LESSON_COLUMNS = [
    Column(gettext_lazy("Collaboration"), "collaboration.title"),
    Column(gettext_lazy("Held"), "held_on"),
    Column(gettext_lazy("Lessons"), "lessons"),
    Column(gettext_lazy("What worked"), "what_worked"),
    Column(gettext_lazy("What to change"), "what_to_change"),
]


def _follow_up_rows() -> QuerySet[FollowUp]:
    today = timezone.localdate()
    return (
        FollowUp.objects.pending()
        .filter(due_date__lte=today + datetime.timedelta(days=UPCOMING_DAYS))
        .select_related("collaboration", "collaboration__responsible")
        .order_by("due_date", "pk")
    )


def follow_up_export(user: Any, data: QueryDict) -> tuple[QuerySet, list[Column]]:
    """The overview as the worker writes it to a workbook (see core.exports)."""
    return _follow_up_rows(), FOLLOW_UP_COLUMNS


@role_required(*READ_ALL_ROLES)
def follow_up_overview(request: AuthedRequest) -> HttpResponseBase:
    """Overdue follow-ups first, then those due within the coming weeks."""
    today = timezone.localdate()
    queryset = _follow_up_rows()
    fmt = requested_format(request)
    if fmt:
        return export_response(
            queryset,
            FOLLOW_UP_COLUMNS,
            fmt=fmt,
            filename="follow-ups",
            request=request,
            source="samverkan.collaborations.views.follow_up_export",
        )
    counts = queryset.aggregate(overdue=Count("pk", filter=Q(due_date__lt=today)))
    page = paginate(request, queryset)
    rows = list(page)
    return render(
        request,
        "collaborations/follow_ups.html",
        {
            "exports": export_links(request),
            "page": page,
            "overdue": [f for f in rows if f.due_date < today],
            "upcoming": [f for f in rows if f.due_date >= today],
            "overdue_count": counts["overdue"],
            "days": UPCOMING_DAYS,
        },
    )


def _lesson_rows(user: Any, data: QueryDict) -> LessonFilter:
    queryset = (
        FollowUp.objects.filter(
            held_on__isnull=False,
            collaboration__in=Collaboration.objects.visible_to(user),
        )
        .exclude(lessons="")
        .select_related("collaboration")
        .prefetch_related("collaboration__committees")
        .order_by("-held_on", "-pk")
    )
    return LessonFilter(data, queryset=queryset)


def lesson_export(user: Any, data: QueryDict) -> tuple[QuerySet, list[Column]]:
    """The library as the worker writes it to a workbook (see core.exports)."""
    return _lesson_rows(user, data).qs, LESSON_COLUMNS


@role_required(*NOT_COMPANY)
def lessons(request: AuthedRequest) -> HttpResponseBase:
    """The lessons-learned library, from the follow-ups of collaborations the user may see."""
    filterset = _lesson_rows(request.user, request.GET)
    fmt = requested_format(request)
    if fmt:
        return export_response(
            filterset.qs,
            LESSON_COLUMNS,
            fmt=fmt,
            filename="lessons",
            request=request,
            source="samverkan.collaborations.views.lesson_export",
        )
    page = paginate(request, filterset.qs)
    context = {"filter": filterset, "page": page, "exports": export_links(request)}
    template = (
        "collaborations/lessons.html#results" if request.htmx else "collaborations/lessons.html"
    )
    return render(request, template, context)


# One collaboration ----------------------------------------------------------------------


@role_required(*STAFF_ROLES)
def create(request: AuthedRequest) -> HttpResponse:
    form = CollaborationForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        collaboration = _save(
            form,
            lambda: actions.do_create_collaboration(request.user, form.collaboration_data()),
        )
        if collaboration is not None:
            messages.success(request, _("The collaboration is created."))
            return redirect(collaboration)
    return render(
        request,
        "collaborations/form.html",
        {
            "form": form,
            "collaboration": None,
            "heading": _("New collaboration"),
            "submit": _("Create collaboration"),
            "back": ("collaborations:list", []),
        },
    )


@role_required(*ALL_ROLES)
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    collaboration = page.collaboration_for_page(user, pk)
    is_company = user.role == Role.COMPANY
    can_manage = user.has_role(*STAFF_ROLES)
    context: dict[str, Any] = {
        "collaboration": collaboration,
        **page.detail_context(user, collaboration),
        "today": timezone.localdate(),
        "is_company": is_company,
        "can_manage": can_manage,
        "show_inquiry": collaboration.inquiry_id is not None and not is_company,
        # The register entry, reached through its reverse relation (the register app
        # builds on this one, not the other way round).
        "register_entry": getattr(collaboration, "register_entry", None),
    }
    if can_manage and collaboration.allowed_transitions():
        context["status_form"] = StatusForm(
            collaboration=collaboration, initial={"version": collaboration.version}
        )
    return render(request, "collaborations/detail.html", context)


@role_required(*STAFF_ROLES)
def waiting(request: AuthedRequest, pk: int) -> HttpResponse:
    """Who the collaboration still waits for, to send a link again or to another contact
    person: a panel the collaboration's page loads after itself, or a page of its own."""
    collaboration = get_collaboration_for_user(request.user, pk)
    template = "collaborations/waiting.html"
    return render(
        request,
        f"{template}#panel" if request.htmx else template,
        {
            "collaboration": collaboration,
            "waiting": resend_forms(links.waiting(collaboration)),
            # Back to this page after resending, when it is a page of its own.
            "back": "" if request.htmx else request.get_full_path(),
        },
    )


@role_required(*STAFF_ROLES)
def gates(request: AuthedRequest, pk: int) -> HttpResponse:
    """Record the gates on a collaboration the infrastructure starts itself."""
    collaboration = get_collaboration_for_user(request.user, pk)
    form = GatesForm(_posted(request), initial=GatesForm.initial_for(collaboration))
    if request.method == "POST" and form.is_valid():
        saved = _save(
            form,
            lambda: actions.do_record_collaboration_gates(
                collaboration,
                request.user,
                form.answers(),
                expected_version=form.cleaned_data["version"],
            ),
        )
        if saved is not None:
            messages.success(request, _("The gates are recorded."))
            return redirect(collaboration)
    return render(
        request,
        "collaborations/gates.html",
        {"collaboration": collaboration, "form": form},
    )


@require_POST
@role_required(*STAFF_ROLES)
def party_request_resend(request: AuthedRequest, pk: int, request_pk: int) -> HttpResponse:
    """Send a waiting party its link again, or to another of its contact persons."""
    collaboration = get_collaboration_for_user(request.user, pk)
    party_request = get_object_or_404(PartyRequest, pk=request_pk, collaboration=collaboration)
    form = ResendForm(request.POST, request=party_request, prefix=f"resend{party_request.pk}")
    if form.is_valid():
        try:
            actions.do_resend_party_request(
                party_request, request.user, contact=form.cleaned_data["contact"]
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("A new link is sent."))
    else:
        messages.error(request, _("Choose a contact person of the party."))
    back = request.POST.get("next", "")
    if back.startswith(collaboration.get_absolute_url()) and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return redirect(collaboration)


@require_POST
@role_required(*STAFF_ROLES)
def follow_up_ask(request: AuthedRequest, pk: int, follow_up_pk: int) -> HttpResponse:
    collaboration = get_collaboration_for_user(request.user, pk)
    follow_up = get_object_or_404(FollowUp, pk=follow_up_pk, collaboration=collaboration)
    sent = actions.do_ask_follow_up_answers(follow_up, request.user)
    if sent:
        messages.success(
            request,
            ngettext(
                "A link is sent to %(n)s party.", "Links are sent to %(n)s parties.", len(sent)
            )
            % {"n": len(sent)},
        )
    else:
        messages.error(
            request,
            _(
                "No party outside the infrastructure has a contact person without an account; "
                "those who sign in answer on this page."
            ),
        )
    return redirect(follow_up)


@role_required(*STAFF_ROLES)
def edit(request: AuthedRequest, pk: int) -> HttpResponse:
    collaboration = get_collaboration_for_user(request.user, pk)
    if request.method == "POST":
        form = CollaborationEditForm(request.POST)
        if form.is_valid():
            saved = _save(
                form,
                lambda: actions.do_update_collaboration(
                    collaboration,
                    request.user,
                    form.collaboration_data(),
                    expected_version=form.cleaned_data["version"],
                ),
            )
            if saved is not None:
                messages.success(request, _("The collaboration is saved."))
                return redirect(saved)
    else:
        form = CollaborationEditForm(initial=CollaborationForm.initial_for(collaboration))
    return render(
        request,
        "collaborations/form.html",
        {
            "form": form,
            "collaboration": collaboration,
            "heading": _("Edit the collaboration"),
            "submit": _("Save"),
        },
    )


@require_POST
@role_required(*STAFF_ROLES)
def change_status(request: AuthedRequest, pk: int) -> HttpResponse:
    collaboration = get_collaboration_for_user(request.user, pk)
    # Every status is accepted here so that the action, not the form, explains a refusal.
    form = StatusForm(request.POST, collaboration=None)
    if not form.is_valid():
        messages.error(request, _("Choose the new status."))
        return redirect(collaboration)
    try:
        changed = actions.do_change_collaboration_status(
            collaboration,
            request.user,
            form.cleaned_data["status"],
            expected_version=form.cleaned_data["version"],
        )
    except StaleRecordError as error:
        messages.error(request, str(error))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("The collaboration is now “%(status)s”.") % {"status": changed.get_status_display()},
        )
    return redirect(collaboration)


# History ----------------------------------------------------------------------------------


@role_required(*ALL_ROLES)
def history(request: AuthedRequest, pk: int) -> HttpResponse:
    collaboration = get_collaboration_for_user(request.user, pk)
    return render(
        request,
        "collaborations/history.html",
        {"collaboration": collaboration, "items": history_items(request.user, collaboration)},
    )


# Parties ----------------------------------------------------------------------------------


def _party_page(
    request: AuthedRequest,
    collaboration: Collaboration,
    form: PartyForm,
    party: CollaborationParty | None,
) -> HttpResponse:
    return render(
        request,
        "collaborations/party_form.html",
        {
            "form": form,
            "collaboration": collaboration,
            "party": party,
            "heading": (
                _("Party: %(organisation)s") % {"organisation": party.organisation}
                if party
                else _("Add a party")
            ),
            "submit": _("Save") if party else _("Add party"),
        },
    )


@role_required(*STAFF_ROLES)
def party_add(request: AuthedRequest, pk: int) -> HttpResponse:
    collaboration = get_collaboration_for_user(request.user, pk)
    form = PartyForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        if collaboration.parties.filter(organisation=form.cleaned_data["organisation"]).exists():
            form.add_error(
                "organisation", _("The organisation is already a party; edit it instead.")
            )
        elif _save(
            form, lambda: actions.do_save_party(collaboration, request.user, form.party_data())
        ):
            messages.success(request, _("The party is added."))
            return redirect(collaboration)
    return _party_page(request, collaboration, form, None)


@role_required(*STAFF_ROLES)
def party_edit(request: AuthedRequest, pk: int, party_pk: int) -> HttpResponse:
    collaboration = get_collaboration_for_user(request.user, pk)
    party = get_object_or_404(
        CollaborationParty.objects.select_related("organisation"),
        collaboration=collaboration,
        pk=party_pk,
    )
    if request.method == "POST":
        form = PartyForm(request.POST, party=party)
        if form.is_valid() and _save(
            form, lambda: actions.do_save_party(collaboration, request.user, form.party_data())
        ):
            messages.success(request, _("The party is saved."))
            return redirect(collaboration)
    else:
        form = PartyForm(initial=PartyForm.initial_for(party), party=party)
    return _party_page(request, collaboration, form, party)


@require_POST
@role_required(*STAFF_ROLES)
def party_remove(request: AuthedRequest, pk: int, party_pk: int) -> HttpResponse:
    collaboration = get_collaboration_for_user(request.user, pk)
    party = get_object_or_404(
        CollaborationParty.objects.select_related("organisation", "collaboration"),
        collaboration=collaboration,
        pk=party_pk,
    )
    try:
        actions.do_remove_party(party, request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("%(organisation)s is no longer a party.") % {"organisation": party.organisation},
        )
    return redirect(collaboration)


# Funding applications ---------------------------------------------------------------------


def _funding_page(
    request: AuthedRequest,
    collaboration: Collaboration,
    form: FundingForm,
    application: FundingApplication | None,
) -> HttpResponse:
    return render(
        request,
        "collaborations/form.html",
        {
            "form": form,
            "collaboration": collaboration,
            "heading": str(application) if application else _("New funding application"),
            "submit": _("Save") if application else _("Add funding application"),
        },
    )


@role_required(*STAFF_ROLES)
def funding_create(request: AuthedRequest, pk: int) -> HttpResponse:
    collaboration = get_collaboration_for_user(request.user, pk)
    form = FundingForm(_posted(request), collaboration=collaboration)
    if request.method == "POST" and form.is_valid():
        saved = _save(
            form,
            lambda: actions.do_save_funding_application(
                collaboration, request.user, form.funding_data()
            ),
        )
        if saved is not None:
            messages.success(request, _("The funding application is added."))
            return redirect(collaboration)
    return _funding_page(request, collaboration, form, None)


@role_required(*STAFF_ROLES)
def funding_edit(request: AuthedRequest, pk: int, funding_pk: int) -> HttpResponse:
    collaboration = get_collaboration_for_user(request.user, pk)
    application = get_object_or_404(FundingApplication, collaboration=collaboration, pk=funding_pk)
    if request.method == "POST":
        form = FundingEditForm(request.POST, collaboration=collaboration)
        if form.is_valid():
            saved = _save(
                form,
                lambda: actions.do_save_funding_application(
                    collaboration,
                    request.user,
                    form.funding_data(),
                    application=application,
                    expected_version=form.cleaned_data["version"],
                ),
            )
            if saved is not None:
                messages.success(request, _("The funding application is saved."))
                return redirect(collaboration)
    else:
        form = FundingEditForm(
            initial=FundingForm.initial_for(application), collaboration=collaboration
        )
    return _funding_page(request, collaboration, form, application)


# Follow-ups -------------------------------------------------------------------------------


@role_required(*STAFF_ROLES)
def follow_up_create(request: AuthedRequest, pk: int) -> HttpResponse:
    collaboration = get_collaboration_for_user(request.user, pk)
    form = FollowUpCreateForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        follow_up = _save(
            form,
            lambda: actions.do_add_follow_up(
                collaboration,
                request.user,
                form.cleaned_data["kind"],
                form.cleaned_data["due_date"],
            ),
        )
        if follow_up is not None:
            messages.success(request, _("The follow-up is planned."))
            return redirect(collaboration)
    return render(
        request,
        "collaborations/form.html",
        {
            "form": form,
            "collaboration": collaboration,
            "heading": _("Plan a follow-up"),
            "submit": _("Plan follow-up"),
        },
    )


def _answer_for(user: User, form: FollowUpAnswerForm) -> Any:
    """Coordinators choose the party; a company user always answers for their own."""
    if "organisation" in form.fields:
        return form.cleaned_data["organisation"]
    return user.organisation


@role_required(*ALL_ROLES)
def follow_up(request: AuthedRequest, pk: int, follow_up_pk: int) -> HttpResponse:
    user = request.user
    collaboration = get_collaboration_for_user(user, pk)
    follow_up = get_object_or_404(
        FollowUp.objects.select_related("recorded_by"), collaboration=collaboration, pk=follow_up_pk
    )
    own = company_organisation_id(user)
    is_staff = user.has_role(*STAFF_ROLES)
    # The collaboration is visible to a company user only when their organisation is a party.
    can_answer = is_staff or (user.role == Role.COMPANY and own is not None)
    answers = follow_up.answers.select_related("organisation", "answered_by").order_by(
        "organisation__name"
    )
    if own is not None:
        answers = answers.filter(organisation_id=own)
    answers_list = list(answers)

    record_form: FollowUpRecordForm | None = None
    answer_form: FollowUpAnswerForm | None = None
    if request.method == "POST":
        if not can_answer:
            raise PermissionDenied
        which = request.POST.get("form", "record" if is_staff else "answer")
        if which == "record":
            if not is_staff:
                raise PermissionDenied
            record_form = FollowUpRecordForm(request.POST, auto_id=RECORD_IDS)
            if record_form.is_valid():
                valid_record = record_form
                if _save(
                    record_form,
                    lambda: actions.do_record_follow_up(
                        follow_up,
                        user,
                        valid_record.record(),
                        expected_version=valid_record.cleaned_data["version"],
                    ),
                ):
                    messages.success(request, _("The follow-up is recorded."))
                    return redirect(follow_up)
        else:
            answer_form = FollowUpAnswerForm(
                request.POST, collaboration=collaboration, choose_party=is_staff, auto_id=ANSWER_IDS
            )
            if answer_form.is_valid():
                valid_answer = answer_form
                data = valid_answer.cleaned_data
                if _save(
                    valid_answer,
                    lambda: actions.do_answer_follow_up(
                        follow_up,
                        user,
                        _answer_for(user, valid_answer),
                        value_created=data["value_created"],
                        what_worked=data["what_worked"],
                        what_to_change=data["what_to_change"],
                        would_collaborate_again=data["would_collaborate_again"],
                    ),
                ):
                    messages.success(request, _("The answer is saved."))
                    return redirect(follow_up)

    if is_staff and record_form is None:
        record_form = FollowUpRecordForm(
            initial=FollowUpRecordForm.initial_for(follow_up), auto_id=RECORD_IDS
        )
    if can_answer and answer_form is None:
        initial: dict[str, Any] = {}
        mine = next((a for a in answers_list if a.organisation_id == own), None)
        if mine is not None:
            initial = {
                "value_created": mine.value_created,
                "what_worked": mine.what_worked,
                "what_to_change": mine.what_to_change,
                "would_collaborate_again": mine.would_collaborate_again,
            }
        answer_form = FollowUpAnswerForm(
            initial=initial, collaboration=collaboration, choose_party=is_staff, auto_id=ANSWER_IDS
        )
    context: dict[str, Any] = {
        "collaboration": collaboration,
        "follow_up": follow_up,
        "answers": answers_list,
        "record_form": record_form,
        "answer_form": answer_form,
        "is_company": user.role == Role.COMPANY,
        "is_overdue": not follow_up.is_done and follow_up.due_date < timezone.localdate(),
    }
    if is_staff:
        # Who is still to answer through a personal link, to send it again or to another
        # contact person; and the parties that have no contact person to send it to.
        waiting = links.waiting(collaboration, PartyRequestPurpose.ANSWER_FOLLOW_UP, follow_up.pk)
        context["waiting"] = resend_forms(waiting, other=True)
        asked = {r.organisation_id for r in waiting}
        answered = {a.organisation_id for a in answers_list}
        context["without_contact"] = [
            party
            for party in collaboration.parties.select_related("organisation", "contact")
            if not party.organisation.is_infrastructure_party
            and party.organisation_id not in asked | answered
            and (party.contact is None or not party.contact.email or party.contact.is_erased)
        ]
    return render(request, "collaborations/follow_up.html", context)
