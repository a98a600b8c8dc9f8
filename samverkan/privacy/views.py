import json

from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from samverkan.accounts.models import STAFF_ROLES
from samverkan.core.decorators import role_required
from samverkan.core.http import AuthedRequest
from samverkan.orgs.models import Contact

from . import actions


@role_required(*STAFF_ROLES)
def person_search(request: AuthedRequest) -> HttpResponse:
    """Find a person by name or e-mail, to answer a request under GDPR."""
    query = request.GET.get("q", "").strip()
    contacts = Contact.objects.none()
    if query:
        contacts = (
            Contact.objects.filter(Q(email__iexact=query) | Q(name__icontains=query))
            .select_related("organisation")
            .order_by("name")[:50]
        )
    return render(request, "privacy/search.html", {"query": query, "contacts": contacts})


@role_required(*STAFF_ROLES)
def export(request: AuthedRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(Contact.objects.select_related("organisation"), pk=pk)
    data = actions.export_personal_data(contact, request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="personal-data-{contact.pk}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@role_required(*STAFF_ROLES)
def erase(request: AuthedRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(Contact, pk=pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Confirm that the person's data should be erased."))
        return redirect(f"/privacy/?q={contact.pk}")
    actions.do_erase_contact(contact, request.user)
    messages.success(request, _("The person's data is erased; the organisation's records remain."))
    return redirect("privacy:search")
