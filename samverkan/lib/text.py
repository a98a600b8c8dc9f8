"""Text analysis and BM25 ranking with Swedish and English stemming.

Used to suggest committees and needs for an inquiry. Every match carries the words that
made it, so a coordinator can see why something was suggested.
"""

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import snowballstemmer

_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)

_STOPWORDS_TEXT = """
    och att det som en ett är av för med till på den de vi ni har inte om kan ska vara
    från eller men så också vid nya nytt ny alla andra vår våra vårt sin sina sitt
    under mot mellan genom inom där då när hur vad vilka vilken detta dessa deras
    the and of to in for with on is are be by an as at or from that this we our
    their it its can will would into about using use new also more most
    företag company companies gms samarbete collaboration
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


@cache
def _stemmer(language: str) -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer(language)


def words(text: str) -> list[str]:
    return [w for w in (m.group(0).lower() for m in _WORD.finditer(text)) if w not in STOPWORDS]


def stem(word: str) -> str:
    """One key per word for both languages: the shorter of its Swedish and English stems."""
    sv = _stemmer("swedish").stemWord(word)
    en = _stemmer("english").stemWord(word)
    return min(sv, en, key=len)


def analyze(text: str) -> list[tuple[str, str]]:
    """(stem, original word) pairs for the meaningful words of a text."""
    return [(stem(w), w) for w in words(text)]


@dataclass
class Match:
    key: Any
    score: float
    terms: list[str] = field(default_factory=list)


@dataclass
class Index:
    """A BM25 index over a small set of documents (committees, needs)."""

    keys: list[object]
    term_counts: list[Counter[str]]
    surface: list[dict[str, str]]
    lengths: list[int]
    k1: float = 1.2
    b: float = 0.75

    @classmethod
    def build(cls, documents: Iterable[tuple[object, str]]) -> "Index":
        keys, counts, surfaces, lengths = [], [], [], []
        for key, text in documents:
            analyzed = analyze(text)
            keys.append(key)
            counts.append(Counter(s for s, _ in analyzed))
            surfaces.append(dict(reversed(analyzed)))
            lengths.append(len(analyzed))
        return cls(keys, counts, surfaces, lengths)

    def _idf(self, term: str) -> float:
        n = len(self.keys)
        df = sum(1 for c in self.term_counts if term in c)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def search(self, text: str, limit: int = 5) -> list[Match]:
        query = analyze(text)
        if not query or not self.keys:
            return []
        query_terms = dict(reversed(query))
        avg_len = (sum(self.lengths) / len(self.lengths)) or 1.0
        matches: list[Match] = []
        for i, counts in enumerate(self.term_counts):
            score = 0.0
            matched: list[str] = []
            for term in query_terms:
                tf = counts.get(term, 0)
                if not tf:
                    continue
                norm = tf + self.k1 * (1 - self.b + self.b * self.lengths[i] / avg_len)
                score += self._idf(term) * tf * (self.k1 + 1) / norm
                matched.append(query_terms[term])
            if score > 0:
                matches.append(Match(self.keys[i], round(score, 3), sorted(set(matched))))
        matches.sort(key=lambda m: (-m.score, str(m.key)))
        return matches[:limit]


def rank(documents: Sequence[tuple[object, str]], text: str, limit: int = 5) -> list[Match]:
    return Index.build(documents).search(text, limit)
