"""Register search that finds Swedish and English word forms, compounds and typos.

PostgreSQL's `swedish` configuration alone finds neither "samarbetsavtal" for "avtal" nor
"Uppsala" for "Upsala". So each entry keeps a normalised document: every word in lower
case plus its Snowball stems (both languages). A query word matches when its stem occurs
inside the document, which covers inflections ("sekvenseringen") and compounds ("avtal"
inside "samarbetsavtal"). The same substring test runs on SQLite and PostgreSQL (there with
a trigram index). A word found nowhere is replaced by the nearest words of the register's
vocabulary: trigram similarity on PostgreSQL, edit distance on SQLite.
"""

from collections.abc import Iterable

from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Length

from samverkan.lib.text import stem, words

MAX_QUERY_WORDS = 8


def normalise(texts: Iterable[str]) -> tuple[str, set[str]]:
    """The search document for some texts, and the words it is made of."""
    vocabulary: set[str] = set()
    for text in texts:
        vocabulary.update(words(text or ""))
    tokens = set(vocabulary)
    tokens.update(stem(word) for word in vocabulary)
    return " ".join(sorted(tokens)), vocabulary


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, giving up (limit + 1) once it must exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def similar_terms(word: str, limit: int = 3) -> list[str]:
    """Words of the register's vocabulary close to a (mistyped) word."""
    from .models import RegisterTerm

    if len(word) < 4:
        return []
    if connection.vendor == "postgresql":
        from django.contrib.postgres.lookups import TrigramSimilar
        from django.contrib.postgres.search import TrigramSimilarity

        # The % operator (similarity of at least pg_trgm's threshold, 0.3) can use the
        # trigram index; a filter on the similarity's value would compute it for every term.
        return list(
            RegisterTerm.objects.filter(TrigramSimilar(F("term"), word))
            .annotate(similarity=TrigramSimilarity("term", word))
            .order_by("-similarity", "term")
            .values_list("term", flat=True)[:limit]
        )
    allowed = 1 if len(word) <= 6 else 2
    candidates = (
        RegisterTerm.objects.annotate(length=Length("term"))
        .filter(length__gte=len(word) - allowed, length__lte=len(word) + allowed)
        .filter(Q(term__startswith=word[0]) | Q(term__endswith=word[-2:]))
        .values_list("term", flat=True)[:5000]
    )
    scored = sorted((edit_distance(word, term, allowed), term) for term in candidates)
    return [term for distance, term in scored if distance <= allowed][:limit]


def apply(queryset: QuerySet, query: str) -> QuerySet:
    """Entries matching every word of the query (each word in any of its forms)."""
    for word in words(query)[:MAX_QUERY_WORDS]:
        key = stem(word)
        if queryset.filter(search_document__contains=key).exists():
            queryset = queryset.filter(search_document__contains=key)
            continue
        alternatives = similar_terms(word)
        condition = Q(search_document__contains=key)
        for term in alternatives:
            condition |= Q(search_document__contains=stem(term))
        queryset = queryset.filter(condition)
    return queryset
