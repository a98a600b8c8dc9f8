"""Every change to accounts goes through here: atomic, permission-checked, recorded.

Staff-made accounts count as verified; company people register themselves and verify
their address through allauth. Linking them to their organisation is samverkan.orgs.linking.
"""

from typing import TYPE_CHECKING

from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import STAFF_ROLES, Role, User

if TYPE_CHECKING:
    from samverkan.orgs.models import Organisation


def require_staff(actor: User) -> None:
    if not actor.has_role(*STAFF_ROLES):
        raise PermissionDenied


# Staff-made accounts ---------------------------------------------------------------------


@transaction.atomic
def do_mark_email_verified(user: User) -> EmailAddress | None:
    """Staff vouch for the address they typed: it counts as verified and becomes primary."""
    if not user.email:
        return None
    others = EmailAddress.objects.filter(email__iexact=user.email).exclude(user=user)
    if others.exists():
        raise ValidationError({"email": [_("Another account already uses this e-mail address.")]})
    address = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
    if address is None:
        address = EmailAddress(user=user, email=user.email)
    EmailAddress.objects.filter(user=user, primary=True).exclude(email__iexact=user.email).update(
        primary=False
    )
    address.verified = True
    address.primary = True
    address.save()
    return address


@transaction.atomic
def do_create_staff_user(
    *,
    username: str,
    email: str,
    role: str,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    organisation: "Organisation | None" = None,
    actor: User | None = None,
) -> User:
    """An account made by the platform's staff (admin, demo, commands), verified at once.

    Without a password the person chooses one through the password reset. `actor` is the
    person creating the account; leave it out only for trusted code such as the demo.
    """
    if actor is not None:
        require_staff(actor)
        if role == Role.ADMIN and not actor.has_role(Role.ADMIN):
            raise PermissionDenied
    if role not in Role.values:
        raise ValidationError({"role": [_("Unknown role.")]})
    if organisation is not None and role != Role.COMPANY:
        raise ValidationError({"organisation": [_("Only company users act for an organisation.")]})
    if not email:
        raise ValidationError({"email": [_("Give the person's e-mail address.")]})
    is_admin = role == Role.ADMIN
    user = User(
        username=username,
        email=email,
        role=role,
        first_name=first_name,
        last_name=last_name,
        organisation=organisation,
        is_staff=is_admin,
        is_superuser=is_admin,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    do_mark_email_verified(user)
    return user
