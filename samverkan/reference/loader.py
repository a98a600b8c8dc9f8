"""Load an infrastructure's reference data from a YAML file; running it twice changes nothing."""

from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import transaction

from samverkan.agreements.models import AgreementPrinciple
from samverkan.core.models import Parameter
from samverkan.inquiries.models import Gate, PriorityCriterion
from samverkan.orgs.models import GMC, Committee, Organisation
from samverkan.strategy.models import Goal

DEFAULT_FILE = settings.BASE_DIR / "reference" / "gms.yaml"


def _party(name: str, kind: str) -> Organisation:
    org, _ = Organisation.objects.update_or_create(
        name=name, kind=kind, defaults={"is_gms_party": True}
    )
    return org


@transaction.atomic
def load_reference(path: Path = DEFAULT_FILE) -> dict[str, int]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    counts: dict[str, int] = {}

    parties = data.get("parties", {})
    for name in parties.get("regions", []):
        _party(name, Organisation.Kind.REGION)
    for name in parties.get("universities", []):
        _party(name, Organisation.Kind.UNIVERSITY)
    counts["parties"] = len(parties.get("regions", [])) + len(parties.get("universities", []))

    for item in data.get("gmcs", []):
        gmc, _ = GMC.objects.update_or_create(
            slug=item["slug"],
            defaults={"name_sv": item["sv"], "name_en": item.get("en", ""), "city": item["city"]},
        )
        gmc.partners.set(Organisation.objects.filter(name__in=item.get("partners", [])))
    counts["gmcs"] = len(data.get("gmcs", []))

    for item in data.get("committees", []):
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
            },
        )
    counts["committees"] = len(data.get("committees", []))

    for item in data.get("goals", []):
        Goal.objects.update_or_create(
            number=item["number"], defaults={"text_sv": item["sv"], "text_en": item.get("en", "")}
        )
    counts["goals"] = len(data.get("goals", []))

    for order, item in enumerate(data.get("gates", [])):
        Gate.objects.update_or_create(
            slug=item["slug"],
            defaults={"text_sv": item["sv"], "text_en": item.get("en", ""), "order": order},
        )
    counts["gates"] = len(data.get("gates", []))

    for order, item in enumerate(data.get("priority_criteria", [])):
        PriorityCriterion.objects.update_or_create(
            slug=item["slug"],
            defaults={
                "text_sv": item["sv"],
                "text_en": item.get("en", ""),
                "weight": item.get("weight", 1),
                "max_score": item.get("max_score", 3),
                "order": order,
            },
        )
    counts["priority_criteria"] = len(data.get("priority_criteria", []))

    for key, item in data.get("parameters", {}).items():
        Parameter.objects.update_or_create(
            key=key, defaults={"value": item["value"], "description": item.get("description", "")}
        )
    counts["parameters"] = len(data.get("parameters", {}))

    for order, item in enumerate(data.get("agreement_principles", [])):
        AgreementPrinciple.objects.update_or_create(
            slug=item["slug"],
            defaults={"text_sv": item["sv"], "text_en": item.get("en", ""), "order": order},
        )
    counts["agreement_principles"] = len(data.get("agreement_principles", []))

    counts["rules"] = _load_rules(data.get("rules", {}))

    for item in data.get("industry_associations", []):
        Organisation.objects.get_or_create(name=item["name"], kind=Organisation.Kind.ASSOCIATION)
    counts["industry_associations"] = len(data.get("industry_associations", []))
    return counts


def _parameter(key: str, value: Any, description: str) -> None:
    Parameter.objects.update_or_create(
        key=key, defaults={"value": value, "description": description}
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
        )
    return len(rules)
