"""Agreement pages: drafting, documents, the principle checklist and signing."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from samverkan.accounts.models import READ_ALL_ROLES, STAFF_ROLES, Role, User
from samverkan.collaborations.access import get_collaboration_for_user, require_party_or_staff
from samverkan.collaborations.models import Collaboration
from samverkan.core.decorators import role_required
from samverkan.core.http import AuthedRequest
from samverkan.core.models import StaleRecordError
from samverkan.orgs.models import Organisation

from . import actions
from .forms import AgreementForm, AgreementStatusForm, DocumentUploadForm, PrinciplesForm
from .models import Agreement, AgreementDocument, AgreementPrinciple, PrincipleAnswer

ALL_ROLES = tuple(Role.values)


def _get_agreement_for_user(
    user: User, pk: int, agreement_pk: int, *, full: bool = False
) -> Agreement:
    """The agreement, or 404 when the user may not see it: a company user only reaches
    agreements their organisation is a party to. `full` brings what the page shows."""
    collaboration = get_collaboration_for_user(user, pk)
    queryset = (
        Agreement.objects.filter(collaboration=collaboration)
        .select_related("responsible")
        .prefetch_related(Prefetch("parties", queryset=Organisation.objects.order_by("name")))
    )
    if full:
        queryset = queryset.prefetch_related(
            Prefetch(
                "documents",
                queryset=AgreementDocument.objects.select_related("uploaded_by").order_by(
                    "-number"
                ),
            ),
            Prefetch("principles", queryset=PrincipleAnswer.objects.select_related("principle")),
        )
    agreement = get_object_or_404(queryset, pk=agreement_pk)
    agreement.collaboration = collaboration
    require_party_or_staff(user, {party.pk for party in agreement.parties.all()})
    return agreement


def _sees_confidential(user: User, agreement: Agreement) -> bool:
    """The terms and the documents: the infrastructure's staff and viewers, and the parties'
    own users. Committee members see that the agreement exists, not what it says."""
    if user.reads_everything:
        return True
    return user.role == Role.COMPANY and any(
        party.pk == user.organisation_id for party in agreement.parties.all()
    )


def _add_errors(form: forms.Form, error: ValidationError) -> None:
    """Put an action's refusal on the form, beside the field it concerns when there is one."""
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


def _form_page(
    request: AuthedRequest,
    collaboration: Collaboration,
    form: AgreementForm,
    agreement: Agreement | None = None,
) -> HttpResponse:
    return render(
        request,
        "agreements/form.html",
        {"collaboration": collaboration, "agreement": agreement, "form": form},
    )


@role_required(*STAFF_ROLES)
def create(request: AuthedRequest, pk: int) -> HttpResponse:
    collaboration = get_collaboration_for_user(request.user, pk)
    if request.method == "POST":
        form = AgreementForm(request.POST, collaboration=collaboration)
        if form.is_valid():
            try:
                agreement = actions.do_save_agreement(
                    collaboration, request.user, form.agreement_data()
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("The agreement is created."))
                return redirect(agreement)
    else:
        form = AgreementForm(collaboration=collaboration, initial={"responsible": request.user})
    return _form_page(request, collaboration, form)


@role_required(*STAFF_ROLES)
def edit(request: AuthedRequest, pk: int, agreement_pk: int) -> HttpResponse:
    agreement = _get_agreement_for_user(request.user, pk, agreement_pk)
    collaboration = agreement.collaboration
    if request.method == "POST":
        form = AgreementForm(request.POST, collaboration=collaboration)
        if form.is_valid():
            try:
                actions.do_save_agreement(
                    collaboration,
                    request.user,
                    form.agreement_data(),
                    agreement=agreement,
                    expected_version=form.cleaned_data["version"],
                )
            except StaleRecordError as error:
                form.add_error(None, str(error))
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("The agreement is saved."))
                return redirect(agreement)
    else:
        form = AgreementForm(
            collaboration=collaboration, initial=AgreementForm.initial_for(agreement)
        )
    return _form_page(request, collaboration, form, agreement)


@role_required(*ALL_ROLES)
def detail(request: AuthedRequest, pk: int, agreement_pk: int) -> HttpResponse:
    user = request.user
    agreement = _get_agreement_for_user(user, pk, agreement_pk, full=True)
    answers = {answer.principle_id: answer for answer in agreement.principles.all()}
    checklist = [(p, answers.get(p.pk)) for p in AgreementPrinciple.objects.all()]
    days_left = None
    if agreement.valid_to is not None:
        days_left = (agreement.valid_to - timezone.localdate()).days
    can_manage = user.has_role(*STAFF_ROLES)
    allowed = agreement.allowed_transitions()
    context = {
        "collaboration": agreement.collaboration,
        "agreement": agreement,
        "parties": list(agreement.parties.all()),
        "sees_confidential": _sees_confidential(user, agreement),
        "documents": list(agreement.documents.all()),
        "checklist": checklist,
        "answered": len(answers),
        "days_left": days_left,
        "days_ago": -days_left if days_left is not None and days_left < 0 else None,
        "can_manage": can_manage,
        "can_sign": Agreement.Status.SIGNED in allowed,
        "signing_blockers": (
            agreement.signing_blockers(with_date=False)
            if Agreement.Status.SIGNED in allowed
            else []
        ),
    }
    if can_manage and allowed:
        context["status_form"] = AgreementStatusForm(agreement=agreement)
    return render(request, "agreements/detail.html", context)


@require_POST
@role_required(*STAFF_ROLES)
def change_status(request: AuthedRequest, pk: int, agreement_pk: int) -> HttpResponse:
    agreement = _get_agreement_for_user(request.user, pk, agreement_pk)
    form = AgreementStatusForm(request.POST, agreement=agreement)
    if not form.is_valid():
        if "status" in form.errors:
            messages.error(request, _("Choose a status the agreement can move to."))
        if "signed_on" in form.errors:
            messages.error(request, _("Give the signing date as a date."))
        if "version" in form.errors:
            messages.error(request, _("Reload the page and try again."))
        return redirect(agreement)
    status = form.cleaned_data["status"]
    try:
        actions.do_change_agreement_status(
            agreement,
            request.user,
            status,
            signed_on=form.cleaned_data["signed_on"],
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
            _("The agreement is now “%(status)s”.") % {"status": Agreement.Status(status).label},
        )
    return redirect(agreement)


@role_required(*STAFF_ROLES)
def upload(request: AuthedRequest, pk: int, agreement_pk: int) -> HttpResponse:
    agreement = _get_agreement_for_user(request.user, pk, agreement_pk)
    if request.method == "POST":
        form = DocumentUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                document = actions.do_upload_agreement_document(
                    agreement, request.user, form.cleaned_data["file"]
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Version %(number)s of the document is stored.")
                    % {"number": document.number},
                )
                return redirect(agreement)
    else:
        form = DocumentUploadForm()
    return render(
        request,
        "agreements/upload.html",
        {
            "collaboration": agreement.collaboration,
            "agreement": agreement,
            "form": form,
            "latest": agreement.documents.order_by("-number").first(),
        },
    )


@role_required(*READ_ALL_ROLES, Role.COMPANY)
def download(request: AuthedRequest, pk: int, agreement_pk: int, document_pk: int) -> FileResponse:
    """Stream the stored file through the view: documents have no public address."""
    agreement = _get_agreement_for_user(request.user, pk, agreement_pk)
    if not _sees_confidential(request.user, agreement):
        raise Http404
    document = get_object_or_404(AgreementDocument, agreement=agreement, pk=document_pk)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    # A streaming response; role_required is typed for HttpResponse only.
    return response


@role_required(*STAFF_ROLES)
def principles(request: AuthedRequest, pk: int, agreement_pk: int) -> HttpResponse:
    agreement = _get_agreement_for_user(request.user, pk, agreement_pk)
    principle_list = list(AgreementPrinciple.objects.all())
    if request.method == "POST":
        form = PrinciplesForm(request.POST, principles=principle_list)
        if form.is_valid():
            try:
                actions.do_answer_principles(
                    agreement,
                    request.user,
                    form.answers(),
                    justifications=form.justifications(),
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("The principle checklist is saved."))
                return redirect(agreement)
    else:
        answers = list(agreement.principles.select_related("principle"))
        form = PrinciplesForm(
            principles=principle_list, initial=PrinciplesForm.initial_for(answers)
        )
    return render(
        request,
        "agreements/principles.html",
        {"collaboration": agreement.collaboration, "agreement": agreement, "form": form},
    )
