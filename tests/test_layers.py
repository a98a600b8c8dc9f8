"""The direction of imports (docs/architecture.md), checked with the contracts of
pyproject.toml: every one holds for the code as it is, and each breaks when one import goes
the wrong way."""

import copy
import re
from pathlib import Path
from typing import Any

import grimp
import pytest
from django.conf import settings
from importlinter import configuration
from importlinter.application.use_cases import read_user_options
from importlinter.contracts.acyclic_siblings import AcyclicSiblingsContract
from importlinter.contracts.layers import LayersContract
from importlinter.domain.contract import Contract

ROOT = Path(settings.BASE_DIR)
PACKAGE = ROOT / "samverkan"


@pytest.fixture(scope="module")
def graph() -> Any:
    return grimp.build_graph("samverkan", exclude_type_checking_imports=True, cache_dir=None)


def contract(contract_id: str) -> Contract:
    configuration.configure()
    options = read_user_options(str(ROOT / "pyproject.toml"))
    contract_options = next(c for c in options.contracts_options if c["id"] == contract_id)
    kind = {"layers": LayersContract, "acyclic_siblings": AcyclicSiblingsContract}
    return kind[contract_options["type"]](
        name=contract_options["name"],
        session_options=options.session_options,
        contract_options=contract_options,
    )


def kept(contract_id: str, graph: Any, *extra: tuple[str, str]) -> bool:
    graph = copy.deepcopy(graph)
    for importer, imported in extra:
        graph.add_import(importer=importer, imported=imported)
    return contract(contract_id).check(graph, verbose=False).kept


def test_the_code_keeps_every_contract(graph):
    assert kept("layers", graph)
    assert kept("no-circles", graph)


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("samverkan.lib.text", "samverkan.core.models"),
        ("samverkan.core.tasks", "samverkan.register.actions"),
        ("samverkan.core.models", "samverkan.accounts.models"),
        ("samverkan.accounts.actions", "samverkan.orgs.models"),
        ("samverkan.orgs.models", "samverkan.site.views"),
        ("samverkan.effects.indicators", "samverkan.api.api"),
        ("samverkan.api.collaborations", "samverkan.demo.story"),
        ("samverkan.site.views", "samverkan.reference.loader"),
    ],
)
def test_an_import_the_wrong_way_breaks_the_layers(graph, importer, imported):
    assert not kept("layers", graph, (importer, imported))


def test_an_action_importing_the_task_that_imports_it_breaks_no_circles(graph):
    assert not kept("no-circles", graph, ("samverkan.orgs.actions", "samverkan.orgs.tasks"))
    assert not kept("no-circles", graph, ("samverkan.core.tasks", "samverkan.core.email"))


def test_every_app_has_its_place_in_the_layers():
    """A new app must be placed in a layer of pyproject.toml before it counts."""
    layers = " ".join(contract("layers").contract_options["layers"])
    placed = set(re.findall(r"samverkan\.(\w+)", layers))
    apps = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert apps <= placed, f"not in any layer of pyproject.toml: {sorted(apps - placed)}"


def test_the_architecture_page_names_every_app():
    """docs/architecture.md stays true: a new app is placed there too."""
    apps = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = sorted(app for app in apps if f"`{app}`" not in page)
    assert not missing, f"docs/architecture.md does not name: {missing}"
