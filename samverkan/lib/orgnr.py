"""Swedish organisation numbers (organisationsnummer).

Ten digits, NNNNNN-NNNN, the last a Luhn check digit over the first nine. A
twelve-digit form with the century prefix 16 (used by some registers) is accepted too.
"""

import re

_PATTERN = re.compile(r"^(?:16)?(\d{6})[-+ ]?(\d{4})$")


def luhn_checksum_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def normalise(value: str) -> str | None:
    """Return the number as NNNNNN-NNNN, or None when it is not a valid one."""
    match = _PATTERN.match(value.strip())
    if not match:
        return None
    digits = match.group(1) + match.group(2)
    if not luhn_checksum_ok(digits):
        return None
    return f"{digits[:6]}-{digits[6:]}"


def is_valid(value: str) -> bool:
    return normalise(value) is not None


def with_check_digit(first_nine: str) -> str:
    """Complete nine digits with their Luhn check digit, as NNNNNN-NNNN."""
    for digit in "0123456789":
        if luhn_checksum_ok(first_nine + digit):
            return f"{first_nine[:6]}-{first_nine[6:]}{digit}"
    raise ValueError(first_nine)  # unreachable: one digit always completes the sum
