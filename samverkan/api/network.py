"""The industry network and the needs board over HTTP, with the same permissions as the pages.

The network (organisations, contacts, interactions, events) is read by the infrastructure
(coordinators, administrators, viewers and committee members) and written by coordinators; company
users are refused. Published and met needs are public; the rest follows `Need.visible_to`.
A need's linked inquiries and collaborations are listed as far as the caller may see them;
their numbers are public.
"""

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Model, Prefetch, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from samverkan.accounts.models import User
from samverkan.collaborations.models import Collaboration, CollaborationNeed
from samverkan.core.http import ApiRequest
from samverkan.inquiries.models import Inquiry
from samverkan.needs import actions as need_actions
from samverkan.needs.filters import NeedFilter
from samverkan.needs.models import Need
from samverkan.orgs import actions
from samverkan.orgs.filters import EventFilter, OrganisationFilter
from samverkan.orgs.models import (
    AssociationMembership,
    Centre,
    Committee,
    Contact,
    Event,
    EventParticipant,
    Interaction,
    Organisation,
)
from samverkan.orgs.querysets import reads_network
from samverkan.strategy.models import Goal

from .nested import Nested
from .schemas import WRITE_ERRORS, ErrorOut, Id, Pagination
from .security import TokenAuth, api_auth

router = Router(tags=["network"])


# Schemas ------------------------------------------------------------------------------


class OrganisationFilterIn(Schema):
    """The network list's filters (`OrganisationFilter`), documented for the API."""

    q: str | None = Field(None, description="Name, organisation number or foreign identifier")
    kind: str | None = Field(None, description="company, region, university, association or other")
    country: str | None = Field(None, description="Two letters, e.g. SE")
    association: int | None = Field(None, description="Member of this association (its id)")
    collaborations: str | None = Field(None, description="yes or no")
    sort: str | None = Field(None, description="name, country, kind, last_interaction, created")


class OrganisationIn(Schema):
    name: str
    kind: str = Organisation.Kind.COMPANY
    organisation_number: str = Field("", description="NNNNNN-NNNN, for Swedish organisations")
    foreign_identifier: str = ""
    country: str = "SE"
    website: str = ""


class OrganisationUpdateIn(OrganisationIn):
    version: int


class OrganisationOut(Schema):
    id: int
    name: str
    kind: str
    organisation_number: str
    foreign_identifier: str
    country: str
    website: str
    is_infrastructure_party: bool
    version: int
    contact_count: int = 0
    collaboration_count: int = 0
    last_interaction: datetime.date | None = None
    associations: list[Id] = Field([], description="Ids of the associations it belongs to")

    @staticmethod
    def resolve_associations(obj: Organisation) -> list[int]:
        return [m.association_id for m in obj.memberships.all()]


class ContactIn(Schema):
    name: str
    email: str
    phone: str = ""
    title: str = ""
    legal_basis: str = Contact.LegalBasis.LEGITIMATE_INTEREST
    consent_given_at: datetime.datetime | None = None
    consent_withdrawn_at: datetime.datetime | None = None


class ContactUpdateIn(ContactIn):
    version: int


class ContactOut(Schema):
    """An erased contact keeps its place, without its personal data."""

    id: int
    organisation: int = Field(..., alias="organisation_id")
    erased: bool
    name: str
    email: str
    phone: str
    title: str
    legal_basis: str
    consent_given_at: datetime.datetime | None
    consent_withdrawn_at: datetime.datetime | None
    version: int

    @staticmethod
    def resolve_erased(obj: Contact) -> bool:
        return obj.is_erased

    @staticmethod
    def resolve_name(obj: Contact) -> str:
        return "" if obj.is_erased else obj.name

    @staticmethod
    def resolve_email(obj: Contact) -> str:
        return "" if obj.is_erased else obj.email

    @staticmethod
    def resolve_phone(obj: Contact) -> str:
        return "" if obj.is_erased else obj.phone

    @staticmethod
    def resolve_title(obj: Contact) -> str:
        return "" if obj.is_erased else obj.title

    @staticmethod
    def resolve_consent_given_at(obj: Contact) -> datetime.datetime | None:
        return None if obj.is_erased else obj.consent_given_at

    @staticmethod
    def resolve_consent_withdrawn_at(obj: Contact) -> datetime.datetime | None:
        return None if obj.is_erased else obj.consent_withdrawn_at


class InteractionIn(Schema):
    kind: str = Field(..., description="meeting, call, email or event")
    date: datetime.date
    subject: str
    notes: str = ""
    contacts: list[Id] = Field([], description="Ids of the organisation's contacts")
    participants: list[str] = Field(
        [], description="Usernames of the people from the infrastructure"
    )


class InteractionOut(Schema):
    id: int
    kind: str
    date: datetime.date
    subject: str
    notes: str
    event: int | None = Field(None, alias="event_id")
    contacts: list[int]
    participants: list[str]

    @staticmethod
    def resolve_contacts(obj: Interaction) -> list[int]:
        return [c.pk for c in obj.contacts.all()]

    @staticmethod
    def resolve_participants(obj: Interaction) -> list[str]:
        return [u.username for u in obj.participants.all()]


class EventFilterIn(Schema):
    q: str | None = Field(None, description="Words in the title or the place")
    kind: str | None = None
    year: int | None = Field(None, ge=1900, le=2100)
    committee: str | None = Field(None, description="A committee id from the reference data")


class EventIn(Schema):
    title: str
    kind: str = Field(..., description="industry_day, workshop, webinar, conference or other")
    date: datetime.date
    location: str = ""
    description: str = ""
    committees: list[str] = Field([], description="Committee ids from the reference data")


class EventOut(Schema):
    id: int
    title: str
    kind: str
    date: datetime.date
    location: str
    description: str
    committees: list[str]
    version: int

    @staticmethod
    def resolve_committees(obj: Event) -> list[str]:
        return [c.slug for c in obj.committees.all()]


class ParticipantOut(Schema):
    id: int
    organisation: int = Field(..., alias="organisation_id")
    organisation_name: str
    contact: int | None = Field(None, alias="contact_id")
    contact_name: str = Field("", description="Empty for an erased contact")
    user: str | None = Field(
        None, description="The username of a participant from the infrastructure"
    )

    @staticmethod
    def resolve_organisation_name(obj: EventParticipant) -> str:
        return obj.organisation.name

    @staticmethod
    def resolve_contact_name(obj: EventParticipant) -> str:
        contact = obj.contact
        return "" if contact is None or contact.is_erased else contact.name

    @staticmethod
    def resolve_user(obj: EventParticipant) -> str | None:
        return obj.user.username if obj.user else None


class EventDetailOut(EventOut):
    participants: list[ParticipantOut]

    @staticmethod
    def resolve_participants(obj: Event) -> list[EventParticipant]:
        return list(obj.participants.all())


class NeedFilterIn(Schema):
    q: str | None = Field(None, description="Words in the title or the description")
    committee: str | None = Field(None, description="A committee id from the reference data")
    centre: str | None = Field(None, description="A regional centre's identifier")
    state: str | None = Field(
        None, description="open, addressed or met (without it: published needs)"
    )
    kind: str | None = None
    goal: int | None = Field(None, description="The number of one of the infrastructure's goals")
    status: str | None = Field(None, description="draft, published, met or closed")


class NeedIn(Schema):
    committee: str | None = Field(
        None, description="A committee id from the reference data; or give a centre"
    )
    centre: str | None = Field(None, description="A regional centre's identifier, instead")
    title: str
    description: str
    kind: str
    desired_partner: str = ""
    contact_committee: str | None = Field(None, description="Empty means the need's committee")
    status: str = Need.Status.DRAFT
    goals: list[Id] = Field([], description="Numbers of the infrastructure's goals")


class NeedUpdateIn(NeedIn):
    version: int


class NeedStatusIn(Schema):
    status: str = Field(..., description="draft, published, met or closed")
    version: int


class NeedLinkIn(Schema):
    collaboration: int = Field(..., description="The id of a collaboration you can see")


class NeedOut(Schema):
    id: int
    committee: str | None = Field(..., description="The committee that has the need, if any")
    centre: str | None = Field(..., description="Or the regional centre that has it")
    contact_committee: str | None = Field(
        ..., description="The committee companies talk to (none for a centre's own need)"
    )
    title: str
    description: str
    kind: str
    desired_partner: str
    status: str = Field(..., description="What people decided: draft, published, met or closed")
    state: str = Field(
        ...,
        description="draft, open, addressed (an inquiry in progress or a collaboration "
        "planned or active answers it), met or closed",
    )
    published_at: datetime.datetime | None
    met_at: datetime.datetime | None
    met_by: str | None = Field(None, description="Who marked it met (username)")
    goals: list[int]
    inquiry_count: int = Field(..., description="Inquiries that answer it, in all")
    collaboration_count: int = Field(..., description="Collaborations that answer it, in all")
    inquiries: list[str] = Field(
        ..., description="References of the inquiries that answer it that you may see"
    )
    collaborations: list[int] = Field(
        ..., description="Ids of the collaborations that answer it that you may see"
    )
    register_entries: list[int] = Field(
        ..., description="Collaboration ids of the public register entries that answer it"
    )
    version: int

    @staticmethod
    def resolve_committee(obj: Need) -> str | None:
        return obj.committee.slug if obj.committee else None

    @staticmethod
    def resolve_centre(obj: Need) -> str | None:
        return obj.centre.slug if obj.centre else None

    @staticmethod
    def resolve_contact_committee(obj: Need) -> str | None:
        contact = obj.contact_committee or obj.committee
        return contact.slug if contact else None

    @staticmethod
    def resolve_state(obj: Need) -> str:
        return obj.state

    @staticmethod
    def resolve_met_by(obj: Need) -> str | None:
        return obj.met_by.username if obj.met_by else None

    @staticmethod
    def resolve_goals(obj: Need) -> list[int]:
        return [g.number for g in obj.goals.all()]

    @staticmethod
    def resolve_inquiries(obj: Need) -> list[str]:
        return [i.reference for i in obj.visible_inquiries]  # type: ignore[attr-defined]

    @staticmethod
    def resolve_collaborations(obj: Need) -> list[int]:
        return [link.collaboration_id for link in obj.visible_links]  # type: ignore[attr-defined]

    @staticmethod
    def resolve_register_entries(obj: Need) -> list[int]:
        return [link.collaboration_id for link in obj.public_links]  # type: ignore[attr-defined]


# Helpers ------------------------------------------------------------------------------


def _require_reader(request: ApiRequest) -> None:
    """Company users never see the network: a refusal, not an empty list."""
    if not reads_network(request.auth):
        raise PermissionDenied


def _check_fields(model: type[Model], values: dict[str, Any]) -> None:
    """Run the model fields' own checks (choices, lengths, blanks, validators)."""
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        try:
            model._meta.get_field(name).clean(value, None)  # type: ignore[union-attr]
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)


def _lookup(field: str, queryset: QuerySet, key: str, values: list[Any]) -> list[Any]:
    found = list(queryset.filter(**{f"{key}__in": values}))
    missing = set(values) - {getattr(obj, key) for obj in found}
    if missing:
        raise ValidationError(
            {field: [_("Unknown: %(ids)s") % {"ids": ", ".join(sorted(str(m) for m in missing))}]}
        )
    return found


def _filtered(filterset: Any) -> QuerySet:
    if not filterset.is_valid():
        raise ValidationError({k: [str(m) for m in v] for k, v in filterset.errors.items()})
    return filterset.qs


# Organisations ------------------------------------------------------------------------


def _organisations(request: ApiRequest) -> QuerySet[Organisation]:
    _require_reader(request)
    memberships = AssociationMembership.objects.order_by("association__name")
    return (
        Organisation.objects.visible_to(request.auth)
        .with_list_facts()
        .prefetch_related(Prefetch("memberships", queryset=memberships))
    )


def _get_organisation(request: ApiRequest, organisation_id: int) -> Organisation:
    return get_object_or_404(_organisations(request), pk=organisation_id)


def _organisation_data(payload: OrganisationIn) -> actions.OrganisationData:
    return actions.OrganisationData(
        name=payload.name,
        kind=payload.kind,
        organisation_number=payload.organisation_number,
        foreign_identifier=payload.foreign_identifier,
        country=payload.country,
        website=payload.website,
    )


@router.get("/organisations", auth=api_auth, response=list[OrganisationOut], summary="The network")
@paginate(Pagination, page_size=settings.PAGE_SIZE)
def list_organisations(
    request: ApiRequest, filters: Query[OrganisationFilterIn]
) -> QuerySet[Organisation]:
    """Organisations by name, with the network list's filters."""
    return _filtered(OrganisationFilter(request.GET, queryset=_organisations(request)))


@router.post(
    "/organisations",
    auth=api_auth,
    response={201: OrganisationOut, **WRITE_ERRORS},
    summary="Add an organisation",
)
def create_organisation(request: ApiRequest, payload: OrganisationIn) -> Status:
    _require_reader(request)
    organisation = actions.do_save_organisation(request.auth, _organisation_data(payload))
    return Status(201, _get_organisation(request, organisation.pk))


@router.get("/organisations/{organisation_id}", auth=api_auth, response=OrganisationOut)
def get_organisation(request: ApiRequest, organisation_id: int) -> Organisation:
    return _get_organisation(request, organisation_id)


@router.put(
    "/organisations/{organisation_id}",
    auth=api_auth,
    response={200: OrganisationOut, **WRITE_ERRORS},
)
def update_organisation(
    request: ApiRequest, organisation_id: int, payload: OrganisationUpdateIn
) -> Organisation:
    organisation = _get_organisation(request, organisation_id)
    actions.do_save_organisation(
        request.auth,
        _organisation_data(payload),
        organisation,
        expected_version=payload.version,
    )
    return _get_organisation(request, organisation_id)


# Contacts -----------------------------------------------------------------------------


def _contact_data(payload: ContactIn) -> actions.ContactData:
    return actions.ContactData(
        name=payload.name,
        email=payload.email,
        phone=payload.phone,
        title=payload.title,
        legal_basis=payload.legal_basis,
        consent_given_at=payload.consent_given_at,
        consent_withdrawn_at=payload.consent_withdrawn_at,
    )


def _create_contact(request: ApiRequest, organisation: Organisation, payload: ContactIn) -> Contact:
    return actions.do_save_contact(request.auth, organisation, _contact_data(payload))


nested = Nested(router, __name__, "organisation_id", _get_organisation)

nested.resource(
    "/organisations/{organisation_id}/contacts",
    singular="contact",
    plural="contacts",
    out=ContactOut,
    items=lambda request, organisation: organisation.contacts.order_by("name", "pk"),
    create=_create_contact,
    create_in=ContactIn,
    summaries={"create": "Add a person to an organisation"},
    docs={"list": "The organisation's people; erased ones show as erased, without personal data."},
)


@router.put("/contacts/{contact_id}", auth=api_auth, response={200: ContactOut, **WRITE_ERRORS})
def update_contact(request: ApiRequest, contact_id: int, payload: ContactUpdateIn) -> Contact:
    _require_reader(request)
    contact = get_object_or_404(
        Contact.objects.filter(organisation__in=Organisation.objects.visible_to(request.auth)),
        pk=contact_id,
    )
    return actions.do_save_contact(
        request.auth,
        contact.organisation,
        _contact_data(payload),
        contact,
        expected_version=payload.version,
    )


# Interactions -------------------------------------------------------------------------


def _create_interaction(
    request: ApiRequest, organisation: Organisation, payload: InteractionIn
) -> Interaction:
    data = actions.InteractionData(
        kind=payload.kind,
        date=payload.date,
        subject=payload.subject,
        notes=payload.notes,
        contacts=_lookup("contacts", Contact.objects.all(), "pk", payload.contacts),
        participants=_lookup(
            "participants", User.objects.filter(is_active=True), "username", payload.participants
        ),
    )
    interaction = actions.do_log_interaction(request.auth, organisation, data)
    return Interaction.objects.prefetch_related("contacts", "participants").get(pk=interaction.pk)


nested.resource(
    "/organisations/{organisation_id}/interactions",
    singular="interaction",
    plural="interactions",
    out=InteractionOut,
    items=lambda request, organisation: organisation.interactions.prefetch_related(
        "contacts", "participants"
    ).order_by("-date", "-pk"),
    paginated=True,
    create=_create_interaction,
    create_in=InteractionIn,
    summaries={
        "list": "The organisation's log, newest first",
        "create": "Log a meeting, call or e-mail",
    },
)


# Events -------------------------------------------------------------------------------


def _events(request: ApiRequest) -> QuerySet[Event]:
    _require_reader(request)
    return Event.objects.prefetch_related("committees").order_by("-date", "-pk")


def _get_event(request: ApiRequest, event_id: int) -> Event:
    participants = EventParticipant.objects.select_related(
        "organisation", "contact", "user"
    ).order_by("organisation__name", "pk")
    return get_object_or_404(
        _events(request).prefetch_related(Prefetch("participants", queryset=participants)),
        pk=event_id,
    )


@router.get("/events", auth=api_auth, response=list[EventOut], summary="Events, newest first")
@paginate(Pagination, page_size=settings.PAGE_SIZE)
def list_events(request: ApiRequest, filters: Query[EventFilterIn]) -> QuerySet[Event]:
    return _filtered(EventFilter(request.GET, queryset=_events(request)))


@router.post(
    "/events",
    auth=api_auth,
    response={201: EventDetailOut, **WRITE_ERRORS},
    summary="Add an event",
)
def create_event(request: ApiRequest, payload: EventIn) -> Status:
    _require_reader(request)
    data = actions.EventData(
        title=payload.title,
        kind=payload.kind,
        date=payload.date,
        location=payload.location,
        description=payload.description,
        committees=_lookup("committees", Committee.objects.all(), "slug", payload.committees),
    )
    event = actions.do_save_event(request.auth, data)
    return Status(201, _get_event(request, event.pk))


@router.get("/events/{event_id}", auth=api_auth, response=EventDetailOut)
def get_event(request: ApiRequest, event_id: int) -> Event:
    """The event with everyone who took part, from the infrastructure and from companies."""
    return _get_event(request, event_id)


# Needs --------------------------------------------------------------------------------


def _reader(request: HttpRequest) -> User | AnonymousUser:
    """Who asks, on the public endpoints: a token's user, the session's, or nobody."""
    if "HTTP_AUTHORIZATION" in request.META:
        user = TokenAuth()(request)
        if isinstance(user, User):
            return user
    user = getattr(request, "user", None)
    if isinstance(user, User) and user.is_authenticated and user.is_active:
        return user
    return AnonymousUser()


def _needs(request: HttpRequest) -> QuerySet[Need]:
    reader = _reader(request)
    if isinstance(reader, User):
        inquiries = Inquiry.objects.visible_to(reader)
        collaborations = Collaboration.objects.visible_to(reader)
    else:
        inquiries, collaborations = Inquiry.objects.none(), Collaboration.objects.none()
    return (
        Need.objects.visible_to(reader)
        .with_state()
        .with_activity_counts()
        .select_related("committee", "centre", "contact_committee", "met_by")
        .prefetch_related(
            "goals",
            Prefetch(
                "inquiries",
                queryset=inquiries.only("pk", "reference", "need_id").order_by("pk"),
                to_attr="visible_inquiries",
            ),
            Prefetch(
                "collaboration_links",
                queryset=CollaborationNeed.objects.filter(
                    collaboration__in=collaborations
                ).order_by("collaboration_id"),
                to_attr="visible_links",
            ),
            Prefetch(
                "collaboration_links",
                queryset=CollaborationNeed.objects.filter(
                    collaboration__register_entry__state="published"
                ).order_by("collaboration_id"),
                to_attr="public_links",
            ),
        )
    )


def _get_need(request: HttpRequest, need_id: int) -> Need:
    return get_object_or_404(_needs(request), pk=need_id)


def _need_data(payload: NeedIn) -> need_actions.NeedData:
    _check_fields(Need, {"kind": payload.kind, "title": payload.title})
    committee = centre = None
    if payload.committee:
        committee = _lookup("committee", Committee.objects.all(), "slug", [payload.committee])[0]
    if payload.centre:
        centre = _lookup("centre", Centre.objects.all(), "slug", [payload.centre])[0]
    contact = None
    if payload.contact_committee:
        contact = _lookup(
            "contact_committee", Committee.objects.all(), "slug", [payload.contact_committee]
        )[0]
    return need_actions.NeedData(
        committee=committee,
        centre=centre,
        title=payload.title,
        description=payload.description,
        kind=payload.kind,
        desired_partner=payload.desired_partner,
        contact_committee=contact,
        status=payload.status,
        goals=_lookup("goals", Goal.objects.all(), "number", payload.goals),
    )


@router.get(
    "/needs",
    auth=None,
    response=list[NeedOut],
    summary="The needs board (public)",
)
@paginate(Pagination, page_size=settings.PAGE_SIZE)
def list_needs(request: HttpRequest, filters: Query[NeedFilterIn]) -> QuerySet[Need]:
    """Published and met needs for everyone; a logged-in caller (session or token) also
    sees the drafts and closed needs it may read. Each with its state and what answers it."""
    needs = _filtered(NeedFilter(request.GET, queryset=_needs(request)))
    if filters.status:
        if filters.status not in Need.Status.values:
            raise ValidationError({"status": [_("Choose draft, published, met or closed.")]})
        needs = needs.filter(status=filters.status)
    return needs.order_by(F("published_at").desc(nulls_last=True), "-created_at", "-pk")


@router.get("/needs/{need_id}", auth=None, response={200: NeedOut, 404: ErrorOut})
def get_need(request: HttpRequest, need_id: int) -> Need:
    return _get_need(request, need_id)


@router.post(
    "/needs",
    auth=api_auth,
    response={201: NeedOut, **WRITE_ERRORS},
    summary="Describe a committee's or a regional centre's need",
)
def create_need(request: ApiRequest, payload: NeedIn) -> Status:
    """Committee and centre members write for their own, coordinators for every one."""
    need = need_actions.do_save_need(request.auth, _need_data(payload))
    return Status(201, _get_need(request, need.pk))


@router.put("/needs/{need_id}", auth=api_auth, response={200: NeedOut, **WRITE_ERRORS})
def update_need(request: ApiRequest, need_id: int, payload: NeedUpdateIn) -> Need:
    need = _get_need(request, need_id)
    need_actions.do_save_need(
        request.auth, _need_data(payload), need=need, expected_version=payload.version
    )
    return _get_need(request, need_id)


@router.post(
    "/needs/{need_id}/status",
    auth=api_auth,
    response={200: NeedOut, **WRITE_ERRORS},
    summary="Publish, mark met, close, reopen or withdraw a need to draft",
)
def change_need_status(request: ApiRequest, need_id: int, payload: NeedStatusIn) -> Need:
    need = _get_need(request, need_id)
    need_actions.do_change_need_status(
        need, request.auth, payload.status, expected_version=payload.version
    )
    return _get_need(request, need_id)


def _collaboration_for(request: ApiRequest, collaboration_id: int) -> Collaboration:
    return get_object_or_404(Collaboration.objects.visible_to(request.auth), pk=collaboration_id)


@router.post(
    "/needs/{need_id}/collaborations",
    auth=api_auth,
    response={200: NeedOut, **WRITE_ERRORS},
    summary="Record that a collaboration answers the need",
)
def link_need_collaboration(request: ApiRequest, need_id: int, payload: NeedLinkIn) -> Need:
    """Coordinators, and the members of the need's committee or centre for the
    collaborations they can see."""
    need = _get_need(request, need_id)
    need_actions.do_link_collaboration(
        need, request.auth, _collaboration_for(request, payload.collaboration)
    )
    return _get_need(request, need_id)


@router.delete(
    "/needs/{need_id}/collaborations/{collaboration_id}",
    auth=api_auth,
    response={200: NeedOut, **WRITE_ERRORS},
    summary="Remove a link between a need and a collaboration",
)
def unlink_need_collaboration(request: ApiRequest, need_id: int, collaboration_id: int) -> Need:
    need = _get_need(request, need_id)
    need_actions.do_unlink_collaboration(
        need, request.auth, _collaboration_for(request, collaboration_id)
    )
    return _get_need(request, need_id)
