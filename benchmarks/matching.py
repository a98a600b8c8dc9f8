"""How well the matching ranks committees and needs for labelled inquiries.

Run: .venv/bin/python benchmarks/matching.py [--misses]

Builds the indexes straight from reference/gms.yaml (committees) and
benchmarks/matching_eval.yaml (needs and labelled inquiries), with the same document
builders the application uses, so no database is needed. Prints MRR and recall@3 of the
BM25F ranking and of a plain word-overlap baseline, for committees and for needs.
"""

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
EVAL_FILE = ROOT / "benchmarks" / "matching_eval.yaml"
REFERENCE_FILE = ROOT / "reference" / "gms.yaml"
MIN_PAIRS = 60


@dataclass(frozen=True)
class Committee:
    slug: str
    name_sv: str
    name_en: str
    description_sv: str
    description_en: str
    keywords: str


@dataclass(frozen=True)
class Need:
    id: str
    committee: str
    title: str
    description: str
    desired_partner: str = ""


@dataclass(frozen=True)
class Inquiry:
    id: str
    title: str
    text: str
    committees: tuple[str, ...]
    needs: tuple[str, ...] = ()
    language: str = ""

    @property
    def full_text(self) -> str:
        return f"{self.title}\n{self.text}"


@dataclass
class Score:
    task: str
    method: str
    queries: int = 0
    pairs: int = 0
    reciprocal_ranks: list[float] = field(default_factory=list)
    recalls: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    @property
    def mrr(self) -> float:
        return sum(self.reciprocal_ranks) / len(self.reciprocal_ranks)

    @property
    def recall_at_3(self) -> float:
        return sum(self.recalls) / len(self.recalls)


def _load_yaml(path: Path) -> Any:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader when built
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506


def load_committees(path: Path = REFERENCE_FILE) -> list[Committee]:
    data = _load_yaml(path)
    return [
        Committee(
            slug=c["slug"],
            name_sv=c["sv"],
            name_en=c.get("en", ""),
            description_sv=c.get("description_sv", ""),
            description_en=c.get("description_en", ""),
            keywords=" ".join(c.get("keywords", "").split()),
        )
        for c in data["committees"]
    ]


def load_eval(path: Path = EVAL_FILE) -> tuple[list[Need], list[Inquiry]]:
    data = _load_yaml(path)
    needs = [Need(**n) for n in data["needs"]]
    inquiries = [
        Inquiry(
            id=q["id"],
            title=q["title"],
            text=q["text"],
            committees=tuple(q["committees"]),
            needs=tuple(q.get("needs", ())),
            language="sv" if q["id"].startswith("s") else "en",
        )
        for q in data["inquiries"]
    ]
    return needs, inquiries


def _score(
    task: str,
    method: str,
    inquiries: Sequence[Inquiry],
    labels: Callable[[Inquiry], Sequence[str]],
    ranking: Callable[[str], list[Any]],
) -> Score:
    score = Score(task, method)
    for inquiry in inquiries:
        relevant = set(labels(inquiry))
        if not relevant:
            continue
        ranked = [str(k) for k in ranking(inquiry.full_text)]
        score.queries += 1
        score.pairs += len(relevant)
        first = next((i for i, key in enumerate(ranked, 1) if key in relevant), None)
        score.reciprocal_ranks.append(1 / first if first else 0.0)
        found = len(relevant & set(ranked[:3]))
        score.recalls.append(found / min(len(relevant), 3))
        if found < min(len(relevant), 3):
            score.misses.append(f"{inquiry.id}: wanted {sorted(relevant)}, got {ranked[:3]}")
    return score


def evaluate(
    committees: Sequence[Committee] | None = None,
    needs: Sequence[Need] | None = None,
    inquiries: Sequence[Inquiry] | None = None,
) -> list[Score]:
    """Scores for committees and needs, BM25F and baseline. Needs Django set up (the
    application's document builders live beside its models); touches no database."""
    from samverkan.inquiries.matching import committee_index, need_index
    from samverkan.lib.text import overlap_rank

    committees = committees if committees is not None else load_committees()
    if needs is None or inquiries is None:
        needs, inquiries = load_eval()
    by_slug = {c.slug: c for c in committees}
    unknown = {s for q in inquiries for s in q.committees} - set(by_slug)
    unknown |= {n.committee for n in needs} - set(by_slug)
    unknown |= {s for q in inquiries for s in q.needs} - {n.id for n in needs}
    if unknown:
        raise ValueError(f"Labels that name nothing: {sorted(unknown)}")
    pairs = sum(len(q.committees) + len(q.needs) for q in inquiries)
    if pairs < MIN_PAIRS:
        raise ValueError(f"Only {pairs} labelled pairs; the set needs at least {MIN_PAIRS}.")

    committee_idx = committee_index((c.slug, c) for c in committees)
    committee_texts = [
        (c.slug, " ".join([c.name_sv, c.name_en, c.description_sv, c.description_en, c.keywords]))
        for c in committees
    ]
    need_idx = need_index((n.id, n, by_slug[n.committee]) for n in needs)
    need_texts = [
        (
            n.id,
            " ".join(
                [
                    n.title,
                    n.description,
                    n.desired_partner,
                    by_slug[n.committee].name_sv,
                    by_slug[n.committee].name_en,
                    by_slug[n.committee].keywords,
                ]
            ),
        )
        for n in needs
    ]

    def bm25(index: Any) -> Callable[[str], list[Any]]:
        return lambda text: [m.key for m in index.search(text, limit=None)]

    def overlap(documents: list[tuple[str, str]]) -> Callable[[str], list[Any]]:
        return lambda text: [m.key for m in overlap_rank(documents, text)]

    return [
        _score("committees", "bm25f", inquiries, lambda q: q.committees, bm25(committee_idx)),
        _score(
            "committees", "overlap", inquiries, lambda q: q.committees, overlap(committee_texts)
        ),
        _score("needs", "bm25f", inquiries, lambda q: q.needs, bm25(need_idx)),
        _score("needs", "overlap", inquiries, lambda q: q.needs, overlap(need_texts)),
    ]


def table(scores: Sequence[Score]) -> str:
    lines = [f"{'task':<11} {'method':<8} {'queries':>7} {'pairs':>5} {'MRR':>6} {'R@3':>6}"]
    for s in scores:
        lines.append(
            f"{s.task:<11} {s.method:<8} {s.queries:>7} {s.pairs:>5} "
            f"{s.mrr:>6.3f} {s.recall_at_3:>6.3f}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--misses", action="store_true", help="list what BM25F missed")
    parser.add_argument("--language", choices=["sv", "en"], help="only inquiries in it")
    parser.add_argument(
        "--reference",
        type=Path,
        default=REFERENCE_FILE,
        help="the reference file with the committees (default: reference/gms.yaml)",
    )
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samverkan.settings")
    import django

    django.setup()
    needs, inquiries = load_eval()
    if args.language:
        inquiries = [q for q in inquiries if q.language == args.language]
    scores = evaluate(load_committees(args.reference), needs, inquiries)
    total = sum(len(q.committees) + len(q.needs) for q in inquiries)
    print(f"{len(inquiries)} inquiries, {len(needs)} needs, {total} labelled pairs\n")
    print(table(scores))
    if args.misses:
        for s in scores:
            if s.method == "bm25f" and s.misses:
                print(f"\nMissed in the top 3 ({s.task}):")
                print("\n".join(f"  {m}" for m in s.misses))


if __name__ == "__main__":
    main()
