"""Communication pages: drafts approved by every party."""

from itertools import groupby

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from samverkan.accounts.models import STAFF_ROLES, Role, User
from samverkan.core.decorators import role_required
from samverkan.core.http import AuthedRequest
from samverkan.core.models import Infrastructure, StaleRecordError
from samverkan.orgs.models import Organisation

from . import actions
from .access import get_collaboration_for_user, require_party_or_staff
from .communication_forms import CommunicationForm, DecisionForm
from .models import Approval, Collaboration, CommunicationActivity

ALL_ROLES = tuple(Role.values)
# Who may be named to approve for a party (see actions._check_approver).
DECIDING_ROLES = (Role.COMPANY, Role.COMMITTEE, *STAFF_ROLES)


def _get_activity_for_user(
    user: User, pk: int, activity_pk: int, *, full: bool = False
) -> tuple[CommunicationActivity, list[Organisation]]:
    """The draft and the organisations that must approve it, or 404 when the user may not
    see it: a company user only reaches drafts their organisation approves."""
    collaboration = get_collaboration_for_user(user, pk)
    queryset = CommunicationActivity.objects.filter(collaboration=collaboration).select_related(
        "created_by"
    )
    if full:
        queryset = queryset.with_required_names().prefetch_related(
            Prefetch(
                "approvals",
                queryset=Approval.objects.select_related("organisation", "decided_by").order_by(
                    "-text_version", "decided_at", "pk"
                ),
            )
        )
    activity = get_object_or_404(queryset, pk=activity_pk)
    activity.collaboration = collaboration
    approvers = actions.required_approvers(activity)
    require_party_or_staff(user, {org.pk for org in approvers})
    return activity, approvers


def _approvable(
    user: User, collaboration: Collaboration, approvers: list[Organisation]
) -> list[Organisation]:
    """The required approvers this user may decide for."""
    if not user.has_role(*DECIDING_ROLES):
        return []
    return actions.approvable_for(user, collaboration, approvers)


def _form_page(
    request: AuthedRequest,
    collaboration: Collaboration,
    form: CommunicationForm,
    activity: CommunicationActivity | None = None,
) -> HttpResponse:
    return render(
        request,
        "collaborations/communication_form.html",
        {"collaboration": collaboration, "activity": activity, "form": form},
    )


def _warn_without_infrastructure_name(
    request: AuthedRequest, activity: CommunicationActivity
) -> None:
    if not activity.names_infrastructure:
        messages.warning(
            request,
            _(
                "The text does not name %(name)s. Every communication must make clear that it "
                "concerns %(name)s; it cannot be approved until it does."
            )
            % {"name": Infrastructure.current().short},
        )


@role_required(*STAFF_ROLES)
def create(request: AuthedRequest, pk: int) -> HttpResponse:
    collaboration = get_collaboration_for_user(request.user, pk)
    if request.method == "POST":
        form = CommunicationForm(request.POST)
        if form.is_valid():
            try:
                activity = actions.do_save_communication(
                    collaboration, request.user, form.communication_data()
                )
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(request, _("The draft is saved."))
                _warn_without_infrastructure_name(request, activity)
                return redirect(activity)
    else:
        form = CommunicationForm()
    return _form_page(request, collaboration, form)


@role_required(*STAFF_ROLES)
def edit(request: AuthedRequest, pk: int, activity_pk: int) -> HttpResponse:
    activity, _approvers = _get_activity_for_user(request.user, pk, activity_pk)
    collaboration = activity.collaboration
    if request.method == "POST":
        form = CommunicationForm(request.POST)
        if form.is_valid():
            try:
                saved = actions.do_save_communication(
                    collaboration,
                    request.user,
                    form.communication_data(),
                    activity=activity,
                    expected_version=form.cleaned_data["version"],
                )
            except StaleRecordError as error:
                form.add_error(None, str(error))
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(request, _("The draft is saved."))
                if saved.text_version != activity.text_version:
                    messages.warning(
                        request,
                        _(
                            "The text changed, so earlier approvals no longer count: every "
                            "party must approve version %(version)s."
                        )
                        % {"version": saved.text_version},
                    )
                _warn_without_infrastructure_name(request, saved)
                return redirect(saved)
    else:
        form = CommunicationForm(initial=CommunicationForm.initial_for(activity))
    return _form_page(request, collaboration, form, activity)


@role_required(*ALL_ROLES)
def detail(request: AuthedRequest, pk: int, activity_pk: int) -> HttpResponse:
    user = request.user
    activity, approvers = _get_activity_for_user(user, pk, activity_pk, full=True)
    approvals = list(activity.approvals.all())
    current = {a.organisation_id: a for a in approvals if a.text_version == activity.text_version}
    earlier = [a for a in approvals if a.text_version < activity.text_version]
    mine = _approvable(user, activity.collaboration, approvers)
    context = {
        "collaboration": activity.collaboration,
        "activity": activity,
        "rows": [(org, current.get(org.pk)) for org in approvers],
        "missing": [
            org
            for org in approvers
            if not (org.pk in current and current[org.pk].decision == Approval.Decision.APPROVED)
        ],
        "has_signed_agreement": activity.collaboration.agreements.filter(status="signed").exists(),
        "history": [
            (version, list(group))
            for version, group in groupby(earlier, key=lambda a: a.text_version)
        ],
        "can_manage": user.has_role(*STAFF_ROLES),
        "terms": Infrastructure.current().terms(activity.required_names),  # type: ignore[attr-defined]
    }
    if mine:
        pending = [org for org in mine if org.pk not in current] or mine
        context["decision_form"] = DecisionForm(
            organisations=mine,
            initial={"text_version": activity.text_version, "organisation": pending[0]},
        )
    return render(request, "collaborations/communication_detail.html", context)


@require_POST
@role_required(*DECIDING_ROLES)
def decide(request: AuthedRequest, pk: int, activity_pk: int) -> HttpResponse:
    activity, approvers = _get_activity_for_user(request.user, pk, activity_pk)
    mine = _approvable(request.user, activity.collaboration, approvers)
    if not mine:
        raise PermissionDenied
    form = DecisionForm(request.POST, organisations=mine)
    if not form.is_valid():
        if "organisation" in form.errors:
            messages.error(request, _("Choose an organisation you approve for."))
        if "decision" in form.errors:
            messages.error(request, _("Choose whether you approve or ask for changes."))
        if "text_version" in form.errors:
            messages.error(request, _("Reload the page and try again."))
        return redirect(activity)
    data = form.cleaned_data
    try:
        approval = actions.do_decide_communication(
            activity,
            request.user,
            data["organisation"],
            data["decision"],
            comment=data["comment"],
            text_version=data["text_version"],
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        if approval.decision == Approval.Decision.APPROVED:
            done = _("You approved the text for %(org)s.")
        else:
            done = _("You asked for changes on behalf of %(org)s.")
        messages.success(request, done % {"org": data["organisation"].name})
    return redirect(activity)
