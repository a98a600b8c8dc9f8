"""Suggest the committees and published needs an inquiry concerns, with the words why."""

from samverkan.lib.text import Match, rank
from samverkan.needs.models import Need
from samverkan.orgs.models import Committee


def suggest_committees(text: str, limit: int = 5) -> list[Match]:
    """Best-matching committees first; each Match.key is a Committee."""
    committees = [(c, c.matching_text()) for c in Committee.objects.all()]
    return rank(committees, text, limit)


def suggest_needs(text: str, limit: int = 5) -> list[Match]:
    needs = [
        (n, f"{n.title} {n.description} {n.committee.matching_text()}")
        for n in Need.objects.published().select_related("committee")[:500]
    ]
    return rank(needs, text, limit)
