"""Keep personal data out of the logs: e-mail addresses and organisation numbers are masked."""

import logging
import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PERSONAL_NUMBER = re.compile(r"\b(\d{6}|\d{8})[-+]?\d{4}\b")


def redact(text: str) -> str:
    return PERSONAL_NUMBER.sub("[number]", EMAIL.sub("[e-mail]", text))


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
