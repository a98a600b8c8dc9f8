"""The login form, apart from forms.py: allauth's forms module imports forms.py for the
sign-up details, so this one, which imports allauth's, must live elsewhere."""

from typing import Any

from allauth.account.forms import LoginForm as AccountLoginForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AccountLoginForm):
    """allauth's login form in the site's words: labels that say what to type, no
    placeholders standing in for labels (ACCOUNT_FORMS)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("User name or e-mail address")
        self.fields["password"].help_text = ""  # the page links to the reset beside it
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)
        if "remember" in self.fields:
            self.fields["remember"].label = _("Keep me logged in on this device")
