"""The page a party's contact person reaches through a personal link, without an account.

The link names one request: approve one communication, answer one follow-up, or check
the register entry (that part lives with the register). What the contact does is
recorded as that contact, through the same actions signed-in users go through.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from samverkan.core.decorators import public

from . import actions
from .communication_forms import DecisionForm
from .forms import FollowUpAnswerForm, apply_errors
from .links import request_for_token
from .models import CommunicationActivity, FollowUp, PartyRequest, PartyRequestPurpose


def _invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "collaborations/party_link_invalid.html", status=404)


@public
def party_link(request: HttpRequest, token: str) -> HttpResponse:
    party_request = request_for_token(token)
    if party_request is None:
        return _invalid(request)
    if party_request.purpose == PartyRequestPurpose.CONFIRM_REGISTER:
        return redirect(reverse("register:party_link", args=[token]))
    context: dict[str, Any] = {"party_request": party_request, "token": token}
    if party_request.purpose == PartyRequestPurpose.APPROVE_COMMUNICATION:
        return _communication(request, party_request, context)
    return _follow_up(request, party_request, context)


def _run(form: Any, action: Any) -> bool:
    try:
        action()
    except ValidationError as error:
        apply_errors(form, error)
    except PermissionDenied:
        form.add_error(None, _("You may not do this."))
    else:
        return True
    return False


def _communication(
    request: HttpRequest, party_request: PartyRequest, context: dict[str, Any]
) -> HttpResponse:
    activity = CommunicationActivity.objects.filter(
        pk=party_request.object_id, collaboration=party_request.collaboration
    ).first()
    if activity is None:
        return _invalid(request)
    organisation = party_request.organisation
    form = DecisionForm(
        request.POST if request.method == "POST" else None,
        organisations=[organisation],
        initial={"text_version": activity.text_version, "organisation": organisation.pk},
    )
    if request.method == "POST" and form.is_valid():
        done = _run(
            form,
            lambda: actions.do_decide_communication(
                activity,
                None,
                organisation,
                form.cleaned_data["decision"],
                comment=form.cleaned_data["comment"],
                text_version=form.cleaned_data["text_version"],
                contact=party_request.contact,
            ),
        )
        if done:
            messages.success(request, _("Thank you: your answer is recorded."))
            return redirect(request.path)
    party_request.refresh_from_db()
    context.update({"activity": activity, "form": form})
    return render(request, "collaborations/party_link_communication.html", context)


def _follow_up(
    request: HttpRequest, party_request: PartyRequest, context: dict[str, Any]
) -> HttpResponse:
    follow_up = FollowUp.objects.filter(
        pk=party_request.object_id, collaboration=party_request.collaboration
    ).first()
    if follow_up is None:
        return _invalid(request)
    organisation = party_request.organisation
    form = FollowUpAnswerForm(
        request.POST if request.method == "POST" else None,
        collaboration=party_request.collaboration,
        choose_party=False,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = _run(
            form,
            lambda: actions.do_answer_follow_up(
                follow_up,
                None,
                organisation,
                value_created=data["value_created"],
                what_worked=data["what_worked"],
                what_to_change=data["what_to_change"],
                would_collaborate_again=data["would_collaborate_again"],
                contact=party_request.contact,
            ),
        )
        if done:
            messages.success(request, _("Thank you: your answers are recorded."))
            return redirect(request.path)
    party_request.refresh_from_db()
    context.update({"follow_up": follow_up, "form": form})
    return render(request, "collaborations/party_link_follow_up.html", context)
