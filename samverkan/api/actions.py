from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samverkan.accounts.models import User

from .models import ApiToken, hash_key


@transaction.atomic
def do_create_api_token(user: User, name: str, scope: str) -> tuple[ApiToken, str]:
    """A new token for the user; returns it with its key, which is never shown again."""
    if not name.strip():
        raise ValidationError({"name": [_("Name the token.")]})
    if scope not in ApiToken.Scope.values:
        raise ValidationError({"scope": [_("Choose read or read and write.")]})
    key = ApiToken.new_key()
    token = ApiToken.objects.create(
        user=user, name=name.strip(), scope=scope, prefix=key[:10], key_hash=hash_key(key)
    )
    return token, key


@transaction.atomic
def do_revoke_api_token(token: ApiToken, actor: User) -> ApiToken:
    if token.user_id != actor.pk:
        raise ValidationError(_("You can only revoke your own tokens."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
