"""Load an infrastructure's reference pack from a YAML file; running it twice changes nothing.

A pack holds who the infrastructure is (`infrastructure:`) and its rules as data: parties,
regional centres, committees, goals, gates, priority criteria and score levels, agreement
principles, funders, expected effects and operational parameters. Each fact may say its
`source` and whether it is `assumed`; a confirmation recorded in the admin is kept when the
pack is loaded again.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import transaction

from samverkan.agreements.models import AgreementPrinciple
from samverkan.collaborations.models import Funder
from samverkan.core.models import Infrastructure, Parameter
from samverkan.effects.models import ExpectedEffect
from samverkan.inquiries.models import Gate, PriorityCriterion
from samverkan.orgs.models import Centre, Committee, Organisation
from samverkan.strategy.models import Goal

DEFAULT_FILE = settings.BASE_DIR / "reference" / "gms.yaml"


def _items(block: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A block's items and the facts they share: either a list, or a mapping with `items`
    beside a common `source` and `assumed`."""
    if isinstance(block, dict):
        shared = {k: block[k] for k in ("source", "assumed") if k in block}
        return list(block.get("items", [])), shared
    return list(block or []), {}


def _sourced(item: dict[str, Any], shared: dict[str, Any]) -> dict[str, Any]:
    return {
        "source": str(item.get("source", shared.get("source", "")))[:300],
        "assumed": bool(item.get("assumed", shared.get("assumed", False))),
    }


def _bilingual(value: Any) -> tuple[str, str]:
    if isinstance(value, dict):
        return str(value.get("sv", "")), str(value.get("en", ""))
    return str(value or ""), str(value or "")


def _load_infrastructure(item: dict[str, Any]) -> None:
    name_sv, name_en = _bilingual(item.get("name", ""))
    description_sv, description_en = _bilingual(item.get("description", ""))
    centre_sv, centre_en = _bilingual(item.get("centre_label", ""))
    centres_sv, centres_en = _bilingual(item.get("centres_label", ""))
    values = {
        "name_sv": name_sv,
        "name_en": name_en,
        "short_name": str(item.get("short_name", "")),
        "description_sv": " ".join(description_sv.split()),
        "description_en": " ".join(description_en.split()),
        "website": str(item.get("website", "")),
        "contact_email": str(item.get("contact_email", "")),
        "email_from": str(item.get("email_from", "")),
        "logo": str(item.get("logo", "")),
        "reference_prefix": str(item.get("reference_prefix", "REF")),
        "centre_label_sv": centre_sv,
        "centre_label_en": centre_en,
        "centres_label_sv": centres_sv,
        "centres_label_en": centres_en,
    }
    row = Infrastructure.objects.order_by("pk").first()
    if row is None:
        Infrastructure.objects.create(**values)
        return
    for field, value in values.items():
        setattr(row, field, value)
    row.save()


@transaction.atomic
def load_reference(path: Path = DEFAULT_FILE) -> dict[str, int]:
    data: dict[str, Any] = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    counts: dict[str, int] = {}

    if "infrastructure" in data:
        _load_infrastructure(data["infrastructure"])
        counts["infrastructure"] = 1

    # Parties by kind: `regions`, `universities` and `others`; `source` is shared.
    parties = data.get("parties", {})
    kinds = {
        "regions": Organisation.Kind.REGION,
        "universities": Organisation.Kind.UNIVERSITY,
        "others": Organisation.Kind.OTHER,
    }
    counts["parties"] = 0
    for key, kind in kinds.items():
        for name in parties.get(key, []):
            Organisation.objects.update_or_create(
                name=name, kind=kind, defaults={"is_infrastructure_party": True}
            )
            counts["parties"] += 1

    items, shared = _items(data.get("centres"))
    for item in items:
        centre, _ = Centre.objects.update_or_create(
            slug=item["slug"],
            defaults={
                "name_sv": item["sv"],
                "name_en": item.get("en", ""),
                "city": item.get("city", ""),
                **_sourced(item, shared),
            },
        )
        centre.partners.set(Organisation.objects.filter(name__in=item.get("partners", [])))
    counts["centres"] = len(items)

    items, shared = _items(data.get("committees"))
    for item in items:
        Committee.objects.update_or_create(
            slug=item["slug"],
            defaults={
                "name_sv": item["sv"],
                "name_en": item.get("en", ""),
                "kind": item["kind"],
                "description_sv": item.get("description_sv", ""),
                "description_en": item.get("description_en", ""),
                "keywords": " ".join(item.get("keywords", "").split()),
                "is_central_entry_point": bool(item.get("central_entry_point")),
                **_sourced(item, shared),
            },
        )
    counts["committees"] = len(items)

    items, shared = _items(data.get("goals"))
    for item in items:
        Goal.objects.update_or_create(
            number=item["number"],
            defaults={
                "text_sv": item["sv"],
                "text_en": item.get("en", ""),
                **_sourced(item, shared),
            },
        )
    counts["goals"] = len(items)

    counts["gates"] = _load_ordered(Gate, data.get("gates"))
    counts["priority_criteria"] = _load_ordered(
        PriorityCriterion,
        data.get("priority_criteria"),
        lambda item: {"weight": item.get("weight", 1), "max_score": item.get("max_score", 3)},
    )

    for key, item in (data.get("parameters") or {}).items():
        Parameter.objects.update_or_create(
            key=key,
            defaults={
                "value": item["value"],
                "description": item.get("description", ""),
                **_sourced(item, {}),
            },
        )
    counts["parameters"] = len(data.get("parameters") or {})

    counts["agreement_principles"] = _load_ordered(
        AgreementPrinciple, data.get("agreement_principles")
    )
    counts["funders"] = _load_ordered(
        Funder, data.get("funders"), lambda item: {"name": str(item["name"])}, bilingual=False
    )
    counts["expected_effects"] = _load_ordered(
        ExpectedEffect,
        data.get("expected_effects"),
        lambda item: {"indicators": [str(i) for i in item.get("indicators", [])]},
    )

    counts["rules"] = _load_rules(data.get("rules", {}))

    items, shared = _items(data.get("industry_associations"))
    for item in items:
        Organisation.objects.get_or_create(name=item["name"], kind=Organisation.Kind.ASSOCIATION)
    counts["industry_associations"] = len(items)
    return counts


def _load_ordered(
    model: Any,
    block: Any,
    extra: Callable[[dict[str, Any]], dict[str, Any]] = lambda item: {},
    *,
    bilingual: bool = True,
) -> int:
    """A list of facts by slug, in the pack's order: a text in Swedish and English (unless
    the fact is a name), its source, and what `extra` reads from the item."""
    items, shared = _items(block)
    for order, item in enumerate(items):
        texts = {"text_sv": item["sv"], "text_en": item.get("en", "")} if bilingual else {}
        model.objects.update_or_create(
            slug=item["slug"],
            defaults={**texts, **extra(item), "order": order, **_sourced(item, shared)},
        )
    return len(items)


def _parameter(key: str, value: Any, description: str, *, assumed: bool = False) -> None:
    Parameter.objects.update_or_create(
        key=key,
        defaults={
            "value": value,
            "description": description,
            "assumed": assumed,
            "source": "not in the sources" if assumed else "",
        },
    )


def _load_rules(rules: dict[str, Any]) -> int:
    """The rules block: each gate's and principle's role, what the register may withhold
    and why, the names a communication must contain, link validity and score meanings."""
    for slug, item in rules.get("gates", {}).items():
        Gate.objects.filter(slug=slug).update(blocks=item.get("blocks", ""))
    for slug, item in rules.get("agreement_principles", {}).items():
        AgreementPrinciple.objects.filter(slug=slug).update(
            blocks_signing=bool(item.get("blocks_signing"))
        )
    register = rules.get("register", {})
    if register:
        _parameter(
            "register_withholdable_fields",
            list(register.get("withholdable", [])),
            "Register fields that may be withheld, each with a reason",
        )
        _parameter(
            "register_withholding_reasons",
            [
                {"slug": r["slug"], "sv": r["sv"], "en": r.get("en", "")}
                for r in register.get("reasons", [])
            ],
            "Reason categories for withholding a register field, shown publicly",
        )
    communication = rules.get("communication", {})
    if communication:
        _parameter(
            "communication_must_name",
            list(communication.get("must_name", [])),
            "Names a communication must contain before it can be approved",
        )
    if "party_link_days" in rules:
        _parameter(
            "party_link_days",
            int(rules["party_link_days"]),
            "Days a party's personal link stays valid",
        )
    if "follow_up_overdue_repeat_days" in rules:
        _parameter(
            "follow_up_overdue_repeat_days",
            int(rules["follow_up_overdue_repeat_days"]),
            "Days between reminders of an overdue follow-up",
        )
    if "score_levels" in rules:
        _parameter(
            "score_levels",
            [
                {"score": int(r["score"]), "sv": r["sv"], "en": r.get("en", "")}
                for r in rules["score_levels"]
            ],
            "What each score level of a priority criterion means",
            assumed=bool(rules.get("score_levels_assumed", True)),
        )
    return len(rules)
