"""Suggest what a text concerns, with the words why.

For an inquiry: the committees that should handle it and the published needs it answers.
For a need: the organisations whose past inquiries and collaborations fit it best.

The ranking is `samverkan.lib.text` (stemming in both languages, compound splitting,
BM25F); this module only decides what the documents are. The document builders take
plain objects, so `benchmarks/matching.py` ranks the reference data with exactly the
same fields and boosts without a database.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from samverkan.collaborations.models import CollaborationParty
from samverkan.lib.text import Document, Index, Match
from samverkan.needs.models import Need
from samverkan.orgs.models import Committee, Organisation

from .models import Inquiry

# A committee's name says most, its keywords (shown as tags) nearly as much.
COMMITTEE_BOOSTS = {"name": 2.0, "description": 1.0, "tags": 1.5}
# A need's own words weigh most; its committee's names and keywords (both languages)
# count half, which lets an English inquiry meet a need written in Swedish. The benchmark
# is flat between 0.5 and 1 and drops below 0.5.
NEED_BOOSTS = {"title": 2.0, "description": 1.0, "committee": 0.5}
ORGANISATION_BOOSTS = {"title": 1.5, "text": 1.0}

# At most this many published needs are ranked, newest first.
NEED_LIMIT = 500
# At most this many inquiries, and this many collaboration parties, are read for a need.
CORPUS_LIMIT = 5000


class CommitteeLike(Protocol):
    """A Committee, or anything with its fields (the benchmark's plain records)."""

    @property
    def name_sv(self) -> str: ...
    @property
    def name_en(self) -> str: ...
    @property
    def description_sv(self) -> str: ...
    @property
    def description_en(self) -> str: ...
    @property
    def keywords(self) -> str: ...


class NeedLike(Protocol):
    @property
    def title(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def desired_partner(self) -> str: ...


def committee_document(key: Any, committee: CommitteeLike) -> Document:
    """A committee as ranked: names, descriptions in both languages, keywords as tags."""
    return Document(
        key,
        {
            "name": f"{committee.name_sv}\n{committee.name_en}",
            "description": f"{committee.description_sv}\n{committee.description_en}",
        },
        tags=committee.keywords.split(),
    )


def need_document(key: Any, need: NeedLike, committee: CommitteeLike) -> Document:
    """A need as ranked: its title and description, and its committee's words beside."""
    return Document(
        key,
        {
            "title": need.title,
            "description": f"{need.description}\n{need.desired_partner}",
            "committee": "\n".join([committee.name_sv, committee.name_en, committee.keywords]),
        },
    )


def committee_index(committees: Iterable[tuple[Any, CommitteeLike]]) -> Index:
    return Index([committee_document(k, c) for k, c in committees], boosts=COMMITTEE_BOOSTS)


def need_index(needs: Iterable[tuple[Any, NeedLike, CommitteeLike]]) -> Index:
    return Index([need_document(k, n, c) for k, n, c in needs], boosts=NEED_BOOSTS)


def suggest_committees(text: str, limit: int = 5) -> list[Match]:
    """Best-matching committees first; each Match.key is a Committee."""
    return committee_index((c, c) for c in Committee.objects.all()).search(text, limit)


def inquiry_text(inquiry: Inquiry) -> str:
    return f"{inquiry.title} {inquiry.description}"


def store_committee_suggestions(inquiry: Inquiry) -> list[dict[str, Any]]:
    """Match the inquiry's text to the committees once and keep the result on it.

    Written with an update, not save(): it is bookkeeping, not an edit, and must neither
    bump the version a coordinator's form holds nor add a history entry.
    """
    stored = [
        {"committee": m.key.slug, "score": round(m.score, 3), "terms": m.terms, "tags": m.tags}
        for m in suggest_committees(inquiry_text(inquiry))
    ]
    Inquiry.objects.filter(pk=inquiry.pk).update(suggested_committees=stored)
    inquiry.suggested_committees = stored
    return stored


def committee_suggestions(
    inquiry: Inquiry, committees: Iterable[Committee] | None = None
) -> list[Match]:
    """The inquiry's suggested committees, best first, each Match.key a Committee.

    Read from what intake stored; an inquiry from before that (or whose worker has not
    run yet) is matched now, once. A page that has every committee at hand passes them
    in `committees` instead of having them read again.
    """
    stored = inquiry.suggested_committees
    if stored is None:
        stored = store_committee_suggestions(inquiry)
    if committees is None:
        by_slug = Committee.objects.in_bulk([s["committee"] for s in stored], field_name="slug")
    else:
        by_slug = {c.slug: c for c in committees}
    return [
        Match(by_slug[s["committee"]], s["score"], s["terms"], s.get("tags", []))
        for s in stored
        if s["committee"] in by_slug
    ]


def suggest_needs(text: str, limit: int = 5) -> list[Match]:
    """Best-matching published needs first; each Match.key is a Need."""
    needs = Need.objects.published().select_related("committee", "centre").order_by("-created_at")
    return need_index((n, n, _owner_words(n)) for n in needs[:NEED_LIMIT]).search(text, limit)


@dataclass
class _CentreWords:
    """A regional centre's words in a committee's shape: its names and its city."""

    name_sv: str
    name_en: str
    keywords: str
    description_sv: str = ""
    description_en: str = ""


def _owner_words(need: Need) -> CommitteeLike:
    if need.committee is not None:
        return need.committee
    centre = need.owner
    return _CentreWords(centre.name_sv, centre.name_en, getattr(centre, "city", ""))


def organisation_documents(
    inquiries: Iterable[tuple[int, str, str]],
    collaborations: Iterable[tuple[int, str, str, str]],
) -> list[Document]:
    """One document per organisation from (organisation, title, description) rows of its
    inquiries and (organisation, title, summary, what it brought) rows of the
    collaborations it took part in."""
    titles: dict[int, list[str]] = defaultdict(list)
    texts: dict[int, list[str]] = defaultdict(list)
    for organisation, title, description in inquiries:
        titles[organisation].append(title)
        texts[organisation].append(description)
    for organisation, title, summary, resources in collaborations:
        titles[organisation].append(title)
        texts[organisation].extend([summary, resources])
    return [
        Document(org, {"title": "\n".join(titles[org]), "text": "\n".join(texts[org])})
        for org in sorted(titles)
    ]


def need_query(need: NeedLike) -> str:
    return f"{need.title}\n{need.description}\n{need.desired_partner}"


def suggest_organisations_for_need(need: Need, limit: int = 10) -> list[Match]:
    """Organisations whose past inquiries and collaborations fit the need, best first;
    each Match.key is an Organisation.

    Three queries whatever the size of the history: the latest inquiries, the latest
    collaboration parties (both capped at CORPUS_LIMIT rows), and the organisations
    ranked. The infrastructure's own parties are left out: they take part in everything.
    The index is built per call, which at the full cap takes seconds (2.6 s for 10,000 rows
    on a busy two-core machine); cache it if this is ever called per page view.
    """
    inquiries = (
        Inquiry.objects.filter(organisation__is_infrastructure_party=False)
        .order_by("-created_at", "-pk")
        .values_list("organisation_id", "title", "description")[:CORPUS_LIMIT]
    )
    parties = (
        CollaborationParty.objects.filter(organisation__is_infrastructure_party=False)
        .order_by("-collaboration__created_at", "-pk")
        .values_list(
            "organisation_id", "collaboration__title", "collaboration__summary", "resources"
        )[:CORPUS_LIMIT]
    )
    documents = organisation_documents(inquiries, parties)
    if not documents:
        return []
    matches = Index(documents, boosts=ORGANISATION_BOOSTS).search(need_query(need), limit)
    organisations = Organisation.objects.in_bulk([m.key for m in matches])
    for m in matches:
        m.key = organisations[m.key]
    return matches
