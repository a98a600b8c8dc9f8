"""E-mail header values that a mail library will always accept."""

import re

# Line breaks of every kind (CR, LF, NEL, the Unicode line and paragraph separators) and
# the other control characters: one of them in a header is either an injected header or a
# BadHeaderError, and a title typed or pasted with one must not stop the mail.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def header_value(value: str) -> str:
    """The value on one line: each run of control characters becomes one space."""
    return " ".join(_CONTROL.sub(" ", value).split())
