"""Explainable text matching for Swedish and English: stemming, decompounding, BM25F.

Used to suggest the committees and needs an inquiry concerns, and the organisations that
fit a need. Every match carries the words that made it, as they were written, so a
coordinator can see why something was suggested and judge it.

How two words come to match, in order, each step cheap and explainable:

1. Words are runs of letters, lower-cased; function words of both languages are dropped.
2. Each word gets a small set of *keys*: the word itself, its Swedish Snowball stem and
   its English Snowball stem, with diacritics and British spellings folded ("tumör",
   "tumour" and "tumor" share a key). Two words match when their keys meet, so
   "sekvenseringen" meets "sekvensering" through the Swedish stem and "sequences" meets
   "sequencing" through the English one, without guessing the language of a text (many
   inquiries mix both).
3. Swedish compounds are split on the vocabulary of the indexed documents
   (:func:`split_compound`): "samarbetsavtal" is "samarbets" + "avtal" because both are
   words the documents use, so it meets "avtal"; "helgenomsekvensering" gives "helgenom",
   "genom" and "sekvensering". The parts count at half weight beside the whole word.
4. Documents are scored with BM25F: per-field term frequencies, normalised by the
   field's length and weighted by the field's boost, then saturated once.
"""

import bisect
import itertools
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

import snowballstemmer

_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)
# No word of either language is longer; a longer run of letters is noise or an attack,
# and stemming or splitting it would cost time that grows with its length.
MAX_WORD = 48
# Compounds are split only up to this length: the search over cuts is quadratic in it.
MAX_COMPOUND = 36
# No part of a compound is longer, which keeps each cut's look-ups bounded too.
MAX_PART = 24

# Function words of both languages (and, first, a few words every letter to the infrastructure has).
# Compared with the word as written. samverkan.register.search uses them too.
_STOPWORDS_TEXT = """
    och att det som en ett är av för med till på den de vi ni har inte om kan ska vara
    från eller men så också vid nya nytt ny alla andra vår våra vårt sin sina sitt
    under mot mellan genom inom där då när hur vad vilka vilken detta dessa deras
    the and of to in for with on is are be by an as at or from that this we our
    their it its can will would into about using use new also more most
    företag company companies gms samarbete collaboration
    vilket jag du han hon man sig oss er era ert dem din ditt dina min mitt mina hans
    hennes dig mig blir bli blev finns fanns får fick gör gjort tar ser vill skulle
    kunde kunna måste bör hade haft varit var hos inför efter även mer mest mycket både
    bara redan här ut upp in över runt samt utan sedan än någon något några varje
    flera många hela helt idag nu bland enligt kring gärna före
    you your us they them he she his her was were been being has have had do does did
    not no if so than then there these those which who whom what how when where why
    such some any each both all other only very well just may might must shall should
    could up out over per via within between across through after before while during
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())

# The polite filler of a proposal, which says nothing about its subject. Compared with
# the word as written; only matching drops them.
_FILLER_TEXT = """
    erbjuder erbjuda söker intresserade intresse hjälpa hjälp diskutera möjlighet
    möjligheten olika fram göra ta se
    like want wish looking interested interest offer offers offering provide provides
    providing help able way ways one two three four five many much include including
    includes discuss opportunity
"""
FILLER = frozenset(_FILLER_TEXT.split())

# Words nearly every inquiry to the infrastructure uses, so they say nothing about where it belongs;
# compared by key, so inflected forms go too. ("Patient" is here because every proposal
# about care mentions patients; patient participation is found by its own words.)
_NOISE_TEXT = """
    företag företaget samarbete samarbeta samverkan bolag bolaget gms sverige svensk
    patient patienter patienten
    company companies collaboration collaborate sweden swedish patients
"""

# Parts of a compound count at this share of a whole word.
PART_WEIGHT = 0.5
# Letters that may join the parts of a Swedish compound (fogemorfem): "samarbet-s-avtal".
_LINKING = frozenset("saeou")
_MIN_COMPOUND = 6
_MIN_PART = 3
_MIN_HEAD = 4
_MIN_HEAD_AFTER_UNKNOWN = 5
_MIN_PART_BEFORE_VOWEL = 4

_FOLD = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "è": "e", "ü": "u"})


@cache
def _stemmer(language: str) -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer(language)


def _fold(key: str) -> str:
    """Fold spelling variants that carry no meaning here: diacritics, ae/e, our/or."""
    key = key.translate(_FOLD).replace("ae", "e")
    if len(key) > 4 and key.endswith("our"):
        key = key[:-3] + "or"
    return key


@lru_cache(maxsize=200_000)
def keys(word: str) -> frozenset[str]:
    """The word, its Swedish stem and its English stem, folded: what matching compares."""
    sv = _stemmer("swedish").stemWord(word)
    en = _stemmer("english").stemWord(word)
    return frozenset(_fold(k) for k in (word, sv, en) if len(k) >= 2)


def stem(word: str) -> str:
    """One key per word for both languages: the shorter of its Swedish and English stems.

    Matching compares all of a word's keys (see `keys`); this single key serves
    samverkan.register.search, which stores it.
    """
    sv = _stemmer("swedish").stemWord(word)
    en = _stemmer("english").stemWord(word)
    return min(sv, en, key=len)


NOISE_KEYS = frozenset(k for w in _NOISE_TEXT.split() for k in keys(w))


def words(text: str) -> list[str]:
    """The meaningful words of a text, lower-cased, in order."""
    text = unicodedata.normalize("NFC", text.lower())
    return [w for w in _WORD.findall(text) if len(w) <= MAX_WORD and w not in STOPWORDS]


@lru_cache(maxsize=200_000)
def is_noise(word: str) -> bool:
    """Whether matching ignores the word: filler, or a form of a noise word."""
    return word in FILLER or not keys(word).isdisjoint(NOISE_KEYS)


def split_compound(word: str, known: frozenset[str]) -> list[str]:
    """The parts of a Swedish compound whose keys are in ``known``, or [] if none.

    A split on vocabulary rather than character n-grams: n-grams match everything a
    little ("tion", "gen") and cannot be explained to a coordinator, while a split into
    words the indexed documents use is precise and shows as words. The rule:

    - the word is cut into parts of at least three letters; every part but the last may
      end in a linking letter (s, a, e, o, u) that is dropped, as in "samarbets-avtal";
    - every part is a known word (its keys meet ``known``), and the last part, the head
      that carries the meaning in Swedish, has at least four letters;
    - before a vowel a part needs four letters, as a short cut there tends to fall
      inside a syllable ("gen-etiska" is no compound, even where "gen" is a word);
    - or, failing that, the first part may be unknown when the rest is known and has a
      head of at least five letters ("hel-genom", "konsult-avtal"), since the head says
      what the thing is;
    - or, failing that, the longest known first part joined by a linking s to an unknown
      head of at least four letters is kept ("avtals-mall" is about an agreement); only
      with the s, as without it such a cut is mostly an inflection ("gene-tisk");
    - a part is known by its own form or by a stem of at least four letters;
    - of the possible cuts, the one with fewest parts wins, then the longest head;
    - known parts are split again, so "helgenomsekvensering" gives "helgenom",
      "sekvensering" and, from "helgenom", "genom".

    Cost: bounded: words longer than MAX_COMPOUND letters are not split, and no part is
    longer than MAX_PART, so a word costs at most MAX_COMPOUND × MAX_PART look-ups.
    """
    if not _MIN_COMPOUND <= len(word) <= MAX_COMPOUND:
        return []
    own = keys(word)
    # A "part" that is only the word's own stem is an inflection: "sekvens-ering".
    parts = [p for p in _segment(word, known) if keys(p).isdisjoint(own)]
    found: list[str] = []
    for part in parts:
        if part not in found:
            found.append(part)
        for sub in split_compound(part, known):
            if sub not in found:
                found.append(sub)
    return found


_MIN_STEM = 4
_VOWELS = frozenset("aeiouyåäöé")


@lru_cache(maxsize=200_000)
def known_keys(word: str) -> frozenset[str]:
    """What a document word adds to the vocabulary compounds are split on: the word, and
    its stems of at least four letters (three-letter stems such as "dat" from "data" or
    "gen" from "gener" would let nearly anything split)."""
    folded = _fold(word)
    return frozenset(k for k in keys(word) if k == folded or len(k) >= _MIN_STEM)


def _is_known(part: str, known: frozenset[str]) -> bool:
    # No stop-word test: inside a compound "genom" is the genome, not the preposition.
    folded = _fold(part)
    if folded in known:
        return True
    # Snowball stems are prefixes of their words: stem only when a prefix is known, as
    # stemming every substring of every long word is what splitting would cost.
    if not any(folded[:n] in known for n in range(_MIN_STEM, len(folded))):
        return False
    return not known_keys(part).isdisjoint(known)


def _segment(word: str, known: frozenset[str]) -> list[str]:
    """Known parts of the best cut of ``word`` (see split_compound), or []."""
    n = len(word)
    # best[i]: the fewest known parts covering word[i:], with the longest head.
    best: list[list[str] | None] = [None] * (n + 1)
    best[n] = []
    for i in range(n - _MIN_PART, -1, -1):
        candidates: list[list[str]] = []
        for j in range(i + _MIN_PART, min(i + MAX_PART, n) + 1):
            rest = best[j]
            if rest is None or (j < n and not rest):
                continue
            piece = word[i:j]
            if i == 0 and j == n:
                continue  # the whole word is no split of itself
            if j < n and word[j] in _VOWELS and len(piece) < _MIN_PART_BEFORE_VOWEL:
                continue  # "gen|etiska": a short cut before a vowel splits a syllable
            if j == n:
                if len(piece) >= _MIN_HEAD and _is_known(piece, known):
                    candidates.append([piece])
            elif _is_known(piece, known):
                candidates.append([piece, *rest])
            elif piece[-1] in _LINKING and len(piece) > _MIN_PART and _is_known(piece[:-1], known):
                candidates.append([piece[:-1], *rest])
        if candidates:
            best[i] = min(candidates, key=lambda c: (len(c), -len(c[-1])))
    whole = best[0]
    if whole is not None and len(whole) >= 2:
        return whole
    # An unknown first part before a known rest: "hel" + "genom".
    for j in range(_MIN_PART, n - _MIN_HEAD_AFTER_UNKNOWN + 1):
        rest = best[j]
        if (
            rest
            and len(rest[-1]) >= _MIN_HEAD_AFTER_UNKNOWN
            and (word[j] not in _VOWELS or j >= _MIN_PART_BEFORE_VOWEL)
            and word[:j] not in STOPWORDS
        ):
            return rest
    # A known first part joined by a linking s before an unknown head: "avtals" + "mall".
    for j in range(n - _MIN_HEAD, _MIN_PART, -1):
        piece = word[:j]
        if piece[-1] != "s":
            continue
        if _is_known(piece, known):
            return [piece]
        if _is_known(piece[:-1], known):
            return [piece[:-1]]
    return []


@dataclass(frozen=True)
class Token:
    """A word or a compound's part; ``origin`` is the word as it stood in the text."""

    form: str
    origin: str
    weight: float = 1.0


class Analyzer:
    """Turns text into tokens, splitting compounds on a vocabulary of keys."""

    def __init__(self, known: frozenset[str] = frozenset()) -> None:
        self.known = known
        self._parts: dict[str, list[str]] = {}
        self._expanded: dict[str, list[tuple[str, float]]] = {}

    def parts(self, word: str) -> list[str]:
        if word not in self._parts:
            self._parts[word] = split_compound(word, self.known) if self.known else []
        return self._parts[word]

    def expand(self, word: str) -> list[tuple[str, float]]:
        """The forms a word stands for, with weights: itself and its compound parts."""
        expanded = self._expanded.get(word)
        if expanded is None:
            expanded = [] if is_noise(word) else [(word, 1.0)]
            expanded += [(p, PART_WEIGHT) for p in self.parts(word) if not is_noise(p)]
            self._expanded[word] = expanded
        return expanded

    def tokens(self, text: str) -> list[Token]:
        return [
            Token(form, word, weight) for word in words(text) for form, weight in self.expand(word)
        ]


@dataclass
class Document:
    """Something to rank: named text fields, and tags (keywords) shown when they match."""

    key: Any
    fields: Mapping[str, str]
    tags: Sequence[str] = ()


TAGS = "tags"


@dataclass
class Match:
    """A ranked document: its key, its score and why.

    ``terms`` are the query's words that matched, as written, most important first;
    ``tags`` are the document's tags (keywords) they met.
    """

    key: Any
    score: float
    terms: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


class Index:
    """A BM25F index over a set of documents (committees, needs, organisations).

    Built in two passes over word counts, not over every occurrence: first the
    vocabulary compounds are split on, then the postings, each distinct word of a field
    expanded once.
    """

    def __init__(
        self,
        documents: Iterable[Document | tuple[Any, str]],
        boosts: Mapping[str, float] | None = None,
        k1: float = 1.2,
        b: float = 0.75,
    ) -> None:
        docs = [d if isinstance(d, Document) else Document(d[0], {"text": d[1]}) for d in documents]
        self.boosts = dict(boosts or {})
        self.k1 = k1
        self.b = b
        self.keys_: list[Any] = [d.key for d in docs]
        # Per document and field: how often each (word, origin) occurs. The origin is the
        # word itself, or in tags the whole tag, which is what an explanation shows.
        counted = [self._count(d) for d in docs]

        vocabulary: set[str] = set()
        for word in {w for fields in counted for c in fields.values() for w, _ in c}:
            vocabulary |= known_keys(word)
        self.analyzer = Analyzer(frozenset(vocabulary))

        # Field -> form -> document -> weighted count; for tags also the tags a form is in.
        self.postings: dict[str, dict[str, dict[int, float]]] = defaultdict(dict)
        self.tag_origins: dict[str, dict[int, set[str]]] = defaultdict(dict)
        self.lengths: list[dict[str, int]] = []
        totals: dict[str, int] = defaultdict(int)
        expand = self.analyzer.expand
        for i, fields in enumerate(counted):
            lengths: dict[str, int] = {}
            for name, counts in fields.items():
                postings = self.postings[name]
                length = 0
                for (word, origin), count in counts.items():
                    for form, weight in expand(word):
                        if weight == 1.0:
                            length += count
                        docs_of = postings.get(form)
                        if docs_of is None:
                            docs_of = postings[form] = {}
                        docs_of[i] = docs_of.get(i, 0.0) + weight * count
                        if name == TAGS:
                            self.tag_origins[form].setdefault(i, set()).add(origin)
                lengths[name] = length
                totals[name] += length
            self.lengths.append(lengths)
        self.average = {name: (total / len(docs)) or 1.0 for name, total in totals.items()}
        self.forms_by_key: dict[str, set[str]] = defaultdict(set)
        all_forms = {form for postings in self.postings.values() for form in postings}
        for form in all_forms:
            for k in keys(form):
                self.forms_by_key[k].add(form)

        # Long words, folded, with the keys of the parts found now: where splitting again
        # at query time starts from (see _forms). In one string, so that a probe is found
        # by one search in C rather than a loop in Python.
        self._long_words: list[tuple[str, str, set[str]]] = []
        for form in sorted(all_forms):
            if len(form) >= _MIN_COMPOUND and form in self.analyzer._expanded:
                split_keys: set[str] = set()
                for part in self.analyzer.parts(form):
                    split_keys |= keys(part)
                self._long_words.append((form, _fold(form), split_keys))
        self._long_text = "".join(f"{folded}\n" for _, folded, _ in self._long_words)
        self._long_starts = list(
            itertools.accumulate((len(f) + 1 for _, f, _ in self._long_words), initial=0)
        )
        self._forms_cache: dict[str, dict[str, float]] = {}

    @classmethod
    def build(cls, documents: Iterable[Document | tuple[Any, str]], **options: Any) -> "Index":
        return cls(documents, **options)

    @staticmethod
    def _count(document: Document) -> dict[str, Counter[tuple[str, str]]]:
        fields = {
            name: Counter((w, w) for w in words(text))
            for name, text in document.fields.items()
            if text
        }
        tags = Counter((w, tag.strip()) for tag in document.tags for w in words(tag))
        if tags:
            fields[TAGS] = tags
        return {name: counts for name, counts in fields.items() if counts}

    def __len__(self) -> int:
        return len(self.keys_)

    def _forms(self, form: str) -> dict[str, float]:
        """The document forms a query form meets, each with the share it counts for.

        Forms that share a key count fully. A long document word is split again with the
        query's word added to the vocabulary, since the documents alone may not know the
        part ("samarbetsavtal" in the only document about agreements meets the query
        "avtal"); such a part counts as parts do. A part found at index time is a form
        of its own already, and is not counted twice.
        """
        cached = self._forms_cache.get(form)
        if cached is not None:
            return cached
        found: dict[str, float] = {}
        form_keys = keys(form)
        for k in form_keys:
            for f in self.forms_by_key.get(k, ()):
                found[f] = 1.0
        if len(form) >= _MIN_HEAD:
            probes = known_keys(form)
            known = self.analyzer.known | probes
            for i in sorted(self._long_words_containing(probes)):
                f, _, split_keys = self._long_words[i]
                if f in found or not split_keys.isdisjoint(form_keys):
                    continue
                parts = split_compound(f, known)
                if any(not keys(part).isdisjoint(form_keys) for part in parts):
                    found[f] = PART_WEIGHT
        self._forms_cache[form] = found
        return found

    def _long_words_containing(self, probes: Iterable[str]) -> set[int]:
        """Indexes of the long words that contain one of ``probes``."""
        found: set[int] = set()
        for probe in probes:
            start = self._long_text.find(probe)
            while start != -1:
                found.add(bisect.bisect_right(self._long_starts, start) - 1)
                start = self._long_text.find(probe, start + 1)
        return found

    def _query(self, text: str) -> dict[frozenset[tuple[str, float]], tuple[float, list[str]]]:
        """Query tokens grouped by the document forms they meet: weight and words."""
        groups: dict[frozenset[tuple[str, float]], tuple[float, list[str]]] = {}
        forms_of: dict[str, frozenset[tuple[str, float]]] = {}
        for token in self.analyzer.tokens(text):
            if token.form not in forms_of:
                forms_of[token.form] = frozenset(self._forms(token.form).items())
            forms = forms_of[token.form]
            if not forms:
                continue
            weight, origins = groups.get(forms, (0.0, []))
            if token.origin not in origins:
                origins = [*origins, token.origin]
            groups[forms] = (max(weight, token.weight), origins)
        return groups

    def _tags_of(self, i: int, forms: Iterable[str]) -> set[str]:
        """The tags of document ``i`` that contain one of ``forms``."""
        found: set[str] = set()
        for form in forms:
            found |= self.tag_origins.get(form, {}).get(i, set())
        return found

    def search(self, text: str, limit: int | None = 5) -> list[Match]:
        """Documents that share words with ``text``, best first, with the words why."""
        n = len(self.keys_)
        if not n:
            return []
        scores: dict[int, float] = defaultdict(float)
        why: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        tags: dict[int, set[str]] = defaultdict(set)
        for forms, (weight, origins) in self._query(text).items():
            tf: dict[int, float] = defaultdict(float)
            for name, postings in self.postings.items():
                boost, average = self.boosts.get(name, 1.0), self.average[name]
                for form, share in forms:
                    for i, count in postings.get(form, {}).items():
                        norm = 1 - self.b + self.b * self.lengths[i].get(name, 0) / average
                        tf[i] += boost * share * count / norm
            idf = math.log(1 + (n - len(tf) + 0.5) / (len(tf) + 0.5))
            for i, value in tf.items():
                gain = weight * idf * value * (self.k1 + 1) / (value + self.k1)
                scores[i] += gain
                for origin in origins:
                    why[i][origin] += gain
                tags[i] |= self._tags_of(i, (form for form, _ in forms))
        ranked = sorted(scores, key=lambda i: (-scores[i], str(self.keys_[i])))
        if limit is not None:
            ranked = ranked[:limit]
        return [
            Match(
                self.keys_[i],
                round(scores[i], 3),
                sorted(why[i], key=lambda w: (-why[i][w], w)),
                sorted(tags[i]),
            )
            for i in ranked
        ]


def rank(
    documents: Sequence[Document | tuple[Any, str]],
    text: str,
    limit: int | None = 5,
    boosts: Mapping[str, float] | None = None,
) -> list[Match]:
    """Rank documents against a text once, without keeping the index."""
    return Index(documents, boosts=boosts).search(text, limit)


def overlap_rank(documents: Sequence[tuple[Any, str]], text: str) -> list[Match]:
    """The plain baseline: how many lower-cased words a document shares with the text.

    No stemming, no compounds, no weights; stop words are dropped as for the real
    ranking, so the comparison is about what stemming, splitting and BM25 add.
    """
    query = set(words(text))
    matches = []
    for key, document in documents:
        shared = query & set(words(document))
        if shared:
            matches.append(Match(key, float(len(shared)), sorted(shared)))
    matches.sort(key=lambda m: (-m.score, str(m.key)))
    return matches
