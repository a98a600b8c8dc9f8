"""Reading a strategy file, YAML or CSV, and checking it completely before anything is
stored; every error names its line and key (YAML) or line and column (CSV)."""

import csv
import datetime
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_slug
from django.utils.translation import gettext as _

from samverkan.lib.spreadsheets import unsafe_cell
from samverkan.orgs.models import Organisation

from ..models import Action, Goal, Point, Strategy
from .format import COLUMNS, FORMAT, LIST_COLUMNS, LIST_SEPARATOR, RECORD_COLUMNS, Path

# Reading YAML with line numbers -------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """Safe YAML in which 1.10 stays the text "1.10" (point numbers are not decimals) and
    anchors and aliases are refused, so a small file cannot stand for a huge document."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases (*name) are not allowed", event.start_mark
            )
        return super().compose_node(parent, index)


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:float"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _node_lines(node: yaml.Node, path: Path, lines: dict[Path, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = str(key_node.value)
            _node_lines(value_node, (*path, key), lines)
            lines[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _node_lines(item, (*path, index), lines)


@dataclass
class Locator:
    """Where a value was in the file, to name it in an error message."""

    lines: dict[Path, int] = field(default_factory=dict)
    csv: bool = False
    prefix: Path = ()

    def line(self, path: Path) -> int | None:
        full = (*self.prefix, *path)
        while full:
            if full in self.lines:
                return self.lines[full]
            full = full[:-1]
        return self.lines.get((), None)

    def describe(self, path: Path, message: str) -> str:
        line = self.line(path)
        name = str(path[-1]) if path and isinstance(path[-1], str) else ""
        if self.csv:
            where = (
                _("line %(line)s, column “%(name)s”") % {"line": line, "name": name}
                if name
                else _("line %(line)s") % {"line": line}
            )
        else:
            dotted = _dotted(path)
            where = (
                _("line %(line)s, key “%(key)s”") % {"line": line, "key": dotted}
                if dotted
                else _("line %(line)s") % {"line": line}
            )
        return f"{where}: {message}"


def _dotted(path: Path) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part + 1}]"
        else:
            text += f".{part}" if text else part
    return text


def read_yaml(text: str) -> tuple[Any, Locator]:
    """Parse YAML text into plain data and the line of every key."""
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        if mark is not None:
            message = _("line %(line)s: the YAML cannot be read (%(problem)s).") % {
                "line": mark.line + 1,
                "problem": problem,
            }
        else:
            message = _("The YAML cannot be read (%(problem)s).") % {"problem": problem}
        raise ValidationError([message]) from error
    lines: dict[Path, int] = {}
    if node is not None:
        _node_lines(node, (), lines)
    return data, Locator(lines)


def documents_in(data: Any, locator: Locator) -> list[tuple[dict[str, Any], Locator]]:
    """The strategy documents of a file: one, or a list under `strategies:`."""
    if not isinstance(data, dict):
        raise ValidationError([locator.describe((), _("The file is not a strategy document."))])
    if data.get("format") not in (None, FORMAT):
        raise ValidationError(
            [
                locator.describe(
                    ("format",), _("Unknown format; expected “%(format)s”.") % {"format": FORMAT}
                )
            ]
        )
    if "strategies" in data:
        items = data["strategies"]
        if not isinstance(items, list):
            raise ValidationError([locator.describe(("strategies",), _("Expected a list."))])
        return [
            (item, Locator(locator.lines, prefix=("strategies", index)))
            for index, item in enumerate(items)
        ]
    return [(data, locator)]


# Reading CSV ---------------------------------------------------------------------------


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()]


def read_csv(text: str) -> tuple[dict[str, Any], Locator]:
    """Parse CSV text into the same document as the YAML, with the line of every value."""
    errors: list[str] = []
    locator = Locator(csv=True)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except StopIteration:
        raise ValidationError([_("The file is empty.")]) from None
    except csv.Error as error:
        raise ValidationError([_("line 1: %(error)s") % {"error": error}]) from error
    header = [name.strip() for name in header]
    unknown = [name for name in header if name not in COLUMNS]
    if unknown or "record" not in header:
        problem = (
            _("unknown columns: %(names)s") % {"names": ", ".join(unknown)}
            if unknown
            else _("the column “record” is missing")
        )
        raise ValidationError([_("line 1: %(problem)s.") % {"problem": problem}])

    document: dict[str, Any] = {"format": FORMAT, "sources": [], "areas": [], "actions": []}
    areas: dict[str, dict[str, Any]] = {}
    pending_points: list[tuple[dict[str, Any], str, int]] = []
    unreadable_area = False
    last_line = 1
    try:
        rows = list(_rows_with_lines(reader))
    except csv.Error as error:
        raise ValidationError(
            [_("line %(line)s: %(error)s") % {"line": reader.line_num, "error": error}]
        ) from error
    for line, cells in rows:
        last_line = line
        if not any(cell.strip() for cell in cells):
            continue
        row = dict(zip(header, cells, strict=False))
        record = row.get("record", "").strip()
        if record not in RECORD_COLUMNS:
            errors.append(
                _("line %(line)s, column “record”: expected one of %(kinds)s.")
                % {"line": line, "kinds": ", ".join(RECORD_COLUMNS)}
            )
            continue
        allowed = RECORD_COLUMNS[record]
        for name, value in row.items():
            if name != "record" and value.strip() and name not in allowed:
                errors.append(
                    _("line %(line)s, column “%(name)s”: not used for a %(record)s row.")
                    % {"line": line, "name": name, "record": record}
                )
        item: dict[str, Any] = {}
        for name in allowed:
            value = row.get(name, "")
            if name in LIST_COLUMNS[record]:
                item[name] = _split(value)
            elif value.strip():
                item[name] = value.strip()
        if record == "strategy":
            if "strategy" in document:
                errors.append(
                    _("line %(line)s: a file holds one strategy; this is a second.")
                    % {"line": line}
                )
                continue
            document["strategy"] = item
            _mark(locator, ("strategy",), item, line)
        elif record == "source":
            path: Path = ("sources", len(document["sources"]))
            document["sources"].append(item)
            _mark(locator, path, item, line)
        elif record == "area":
            path = ("areas", len(document["areas"]))
            item["points"] = []
            document["areas"].append(item)
            _mark(locator, path, item, line)
            number = str(item.get("number", ""))
            if not number.isdigit():
                errors.append(
                    _("line %(line)s, column “number”: expected a whole number.") % {"line": line}
                )
                unreadable_area = True
                continue
            number = str(int(number))
            if number in areas:
                errors.append(
                    _("line %(line)s, column “number”: area %(number)s is listed twice.")
                    % {"line": line, "number": number}
                )
            areas[number] = item
        elif record == "point":
            pending_points.append((item, str(item.pop("area", "")), line))
        else:
            path = ("actions", len(document["actions"]))
            document["actions"].append(item)
            _mark(locator, path, item, line)
    for item, area_number, line in pending_points:
        area = areas.get(str(int(area_number)) if area_number.isdigit() else area_number)
        if area is None:
            if unreadable_area:
                continue  # most likely that area row, whose error is reported already
            errors.append(
                _("line %(line)s, column “area”: no area row with number “%(number)s”.")
                % {"line": line, "number": area_number}
            )
            continue
        area_index = document["areas"].index(area)
        path = ("areas", area_index, "points", len(area["points"]))
        area["points"].append(item)
        _mark(locator, path, item, line)
        locator.lines[(*path, "area")] = line
    if "strategy" not in document:
        errors.append(_("line %(line)s: no row with record “strategy”.") % {"line": last_line})
    if errors:
        raise ValidationError(errors)
    return document, locator


def _rows_with_lines(reader: Any) -> Iterable[tuple[int, list[str]]]:
    start = reader.line_num + 1
    for cells in reader:
        yield start, [unsafe_cell(cell) for cell in cells]
        start = reader.line_num + 1


def _mark(locator: Locator, path: Path, item: Mapping[str, Any], line: int) -> None:
    locator.lines[path] = line
    for key in item:
        locator.lines[(*path, key)] = line


# Checking a document -------------------------------------------------------------------


@dataclass
class SourceDoc:
    key: str
    title: str
    publisher: str = ""
    url: str = ""
    published_on: datetime.date | None = None
    note: str = ""


@dataclass
class PointDoc:
    number: str
    title_sv: str
    title_en: str = ""
    note_sv: str = ""
    note_en: str = ""
    implements: list[Point] = field(default_factory=list)
    goal: Goal | None = None
    sources: list[str] = field(default_factory=list)


@dataclass
class AreaDoc:
    number: int
    title_sv: str
    title_en: str = ""
    note_sv: str = ""
    note_en: str = ""
    points: list[PointDoc] = field(default_factory=list)


@dataclass
class ActionDoc:
    key: str
    title: str
    description: str = ""
    owner: str = ""
    owner_organisation: Organisation | None = None
    status: str = Action.Status.PLANNED
    progress: int | None = None
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    points: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


@dataclass
class StrategyDoc:
    key: str
    kind: str
    title_sv: str
    title_en: str = ""
    publisher: str = ""
    adopted_on: datetime.date | None = None
    period_start: int | None = None
    period_end: int | None = None
    implements: Strategy | None = None
    note_sv: str = ""
    note_en: str = ""
    sources: list[str] = field(default_factory=list)
    source_list: list[SourceDoc] = field(default_factory=list)
    areas: list[AreaDoc] = field(default_factory=list)
    actions: list[ActionDoc] = field(default_factory=list)


STRATEGY_KEYS = set(RECORD_COLUMNS["strategy"])
SOURCE_KEYS = set(RECORD_COLUMNS["source"])
AREA_KEYS = {*RECORD_COLUMNS["area"], "points"}
POINT_KEYS = set(RECORD_COLUMNS["point"]) - {"area"}
ACTION_KEYS = set(RECORD_COLUMNS["action"])
TOP_KEYS = {"format", "strategy", "sources", "areas", "actions"}


class _Checker:
    """Reads a raw document field by field, collecting every error with its place."""

    def __init__(self, locator: Locator) -> None:
        self.locator = locator
        self.errors: list[str] = []

    def error(self, path: Path, message: str) -> None:
        self.errors.append(self.locator.describe(path, message))

    def mapping(self, value: Any, path: Path, allowed: set[str]) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.error(path, _("Expected keys and values."))
            return {}
        for key in value:
            if str(key) not in allowed:
                self.error(
                    (*path, str(key)),
                    _("Unknown key; expected one of %(keys)s.")
                    % {"keys": ", ".join(sorted(allowed))},
                )
        return {str(k): v for k, v in value.items()}

    def items(self, value: Any, path: Path) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(path, _("Expected a list."))
            return []
        return value

    def text(
        self,
        data: dict[str, Any],
        path: Path,
        key: str,
        *,
        required: bool = False,
        max_length: int = 300,
    ) -> str:
        value = data.get(key)
        if value is None or value == "":
            if required:
                self.error((*path, key), _("This is required."))
            return ""
        if isinstance(value, (dict, list, bool)):
            self.error((*path, key), _("Expected text."))
            return ""
        text = str(value).strip()
        if len(text) > max_length:
            self.error(
                (*path, key),
                _("At most %(n)s characters (this has %(length)s).")
                % {"n": max_length, "length": len(text)},
            )
        if required and not text:
            self.error((*path, key), _("This is required."))
        return text

    def key(self, data: dict[str, Any], path: Path, key: str = "key") -> str:
        text = self.text(data, path, key, required=True, max_length=80)
        if text:
            try:
                validate_slug(text)
            except ValidationError:
                self.error(
                    (*path, key), _("Use only letters a–z, digits, hyphens and underscores.")
                )
        return text

    def integer(
        self,
        data: dict[str, Any],
        path: Path,
        key: str,
        *,
        required: bool = False,
        low: int = 0,
        high: int = 32767,
    ) -> int | None:
        value = data.get(key)
        if value is None or value == "":
            if required:
                self.error((*path, key), _("This is required."))
            return None
        try:
            if isinstance(value, bool):
                raise ValueError
            number = int(str(value).strip())
        except ValueError:
            self.error((*path, key), _("Expected a whole number."))
            return None
        if not low <= number <= high:
            self.error(
                (*path, key),
                _("Expected a number from %(low)s to %(high)s.") % {"low": low, "high": high},
            )
            return None
        return number

    def date(self, data: dict[str, Any], path: Path, key: str) -> datetime.date | None:
        value = data.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        try:
            return datetime.date.fromisoformat(str(value).strip())
        except ValueError:
            self.error((*path, key), _("Expected a date written YYYY-MM-DD."))
            return None

    def names(self, data: dict[str, Any], path: Path, key: str) -> list[str]:
        value = data.get(key)
        if value is None or value == "":
            return []
        if isinstance(value, str):
            value = _split(value)
        if not isinstance(value, list) or any(isinstance(v, (dict, list)) for v in value):
            self.error((*path, key), _("Expected a list."))
            return []
        names = [str(v).strip() for v in value if str(v).strip()]
        if len(set(names)) != len(names):
            self.error((*path, key), _("A value is listed twice."))
        return names


def check_document(data: Any, locator: Locator) -> StrategyDoc:
    """Check a whole document against the file format and the database; raise a
    ValidationError listing every problem, each with its line, or return it resolved."""
    check = _Checker(locator)
    top = check.mapping(data, (), TOP_KEYS)
    if top.get("format") not in (None, FORMAT):
        check.error(("format",), _("Unknown format; expected “%(format)s”.") % {"format": FORMAT})
    if "strategy" not in top:
        check.error((), _("The key “strategy” is missing."))
    path: Path = ("strategy",)
    raw = check.mapping(top.get("strategy"), path, STRATEGY_KEYS)
    doc = StrategyDoc(
        key=check.key(raw, path),
        kind=check.text(raw, path, "kind", required=True, max_length=20),
        title_sv=check.text(raw, path, "title_sv", required=True),
        title_en=check.text(raw, path, "title_en"),
        publisher=check.text(raw, path, "publisher", max_length=200),
        adopted_on=check.date(raw, path, "adopted_on"),
        period_start=check.integer(raw, path, "period_start", low=1900, high=2200),
        period_end=check.integer(raw, path, "period_end", low=1900, high=2200),
        note_sv=check.text(raw, path, "note_sv", max_length=5000),
        note_en=check.text(raw, path, "note_en", max_length=5000),
        sources=check.names(raw, path, "sources"),
    )
    if doc.kind and doc.kind not in Strategy.Kind.values:
        check.error(
            (*path, "kind"),
            _("Expected one of %(values)s.") % {"values": ", ".join(Strategy.Kind.values)},
        )
    if doc.period_start and doc.period_end and doc.period_end < doc.period_start:
        check.error((*path, "period_end"), _("The period ends before it starts."))
    parent_key = check.text(raw, path, "implements", max_length=80)
    parent_points: dict[str, Point] = {}
    if parent_key:
        doc.implements = Strategy.objects.filter(slug=parent_key).first()
        if doc.implements is None:
            check.error(
                (*path, "implements"),
                _("No strategy with the key “%(key)s”: import it first.") % {"key": parent_key},
            )
        elif parent_key == doc.key:
            check.error((*path, "implements"), _("A strategy cannot implement itself."))
        else:
            parent_points = {p.number: p for p in Point.objects.filter(strategy=doc.implements)}

    source_keys: set[str] = set()
    url_validator = URLValidator(schemes=["http", "https"])
    for index, raw_source in enumerate(check.items(top.get("sources"), ("sources",))):
        path = ("sources", index)
        item = check.mapping(raw_source, path, SOURCE_KEYS)
        source = SourceDoc(
            key=check.key(item, path),
            title=check.text(item, path, "title", required=True, max_length=400),
            publisher=check.text(item, path, "publisher", max_length=200),
            url=check.text(item, path, "url", max_length=500),
            published_on=check.date(item, path, "published_on"),
            note=check.text(item, path, "note", max_length=300),
        )
        if source.url:
            try:
                url_validator(source.url)
            except ValidationError:
                check.error((*path, "url"), _("Expected a web address starting with https://."))
        if source.key in source_keys:
            check.error((*path, "key"), _("Another source has this key."))
        source_keys.add(source.key)
        doc.source_list.append(source)
    _check_source_refs(check, ("strategy", "sources"), doc.sources, source_keys)

    goals = {goal.number: goal for goal in Goal.objects.all()}
    area_numbers: set[int] = set()
    point_numbers: set[str] = set()
    for index, raw_area in enumerate(check.items(top.get("areas"), ("areas",))):
        path = ("areas", index)
        item = check.mapping(raw_area, path, AREA_KEYS)
        area = AreaDoc(
            number=check.integer(item, path, "number", required=True, low=1) or 0,
            title_sv=check.text(item, path, "title_sv", required=True),
            title_en=check.text(item, path, "title_en"),
            note_sv=check.text(item, path, "note_sv", max_length=5000),
            note_en=check.text(item, path, "note_en", max_length=5000),
        )
        if area.number and area.number in area_numbers:
            check.error((*path, "number"), _("Another area has this number."))
        area_numbers.add(area.number)
        for point_index, raw_point in enumerate(check.items(item.get("points"), (*path, "points"))):
            point_path: Path = (*path, "points", point_index)
            point_item = check.mapping(raw_point, point_path, POINT_KEYS)
            point = PointDoc(
                number=check.text(point_item, point_path, "number", required=True, max_length=20),
                title_sv=check.text(point_item, point_path, "title_sv", required=True),
                title_en=check.text(point_item, point_path, "title_en"),
                note_sv=check.text(point_item, point_path, "note_sv", max_length=5000),
                note_en=check.text(point_item, point_path, "note_en", max_length=5000),
                sources=check.names(point_item, point_path, "sources"),
            )
            if point.number in point_numbers:
                check.error((*point_path, "number"), _("Another point has this number."))
            point_numbers.add(point.number)
            goal_number = check.integer(point_item, point_path, "goal", low=1)
            if goal_number is not None:
                point.goal = goals.get(goal_number)
                if point.goal is None:
                    check.error((*point_path, "goal"), _("There is no goal with this number."))
            implements = check.names(point_item, point_path, "implements")
            if implements and not parent_key:
                check.error(
                    (*point_path, "implements"),
                    _("Say which strategy this one implements (the strategy's “implements”)."),
                )
            elif implements and doc.implements is not None:
                missing = [n for n in implements if n not in parent_points]
                if missing:
                    check.error(
                        (*point_path, "implements"),
                        _("“%(strategy)s” has no point %(numbers)s.")
                        % {"strategy": doc.implements.slug, "numbers": ", ".join(missing)},
                    )
                point.implements = [parent_points[n] for n in implements if n in parent_points]
            _check_source_refs(check, (*point_path, "sources"), point.sources, source_keys)
            area.points.append(point)
        doc.areas.append(area)

    action_keys: set[str] = set()
    for index, raw_action in enumerate(check.items(top.get("actions"), ("actions",))):
        path = ("actions", index)
        item = check.mapping(raw_action, path, ACTION_KEYS)
        action = ActionDoc(
            key=check.key(item, path),
            title=check.text(item, path, "title", required=True),
            description=check.text(item, path, "description", max_length=10000),
            owner=check.text(item, path, "owner", max_length=200),
            status=check.text(item, path, "status", max_length=10) or Action.Status.PLANNED,
            progress=check.integer(item, path, "progress", low=0, high=100),
            start_date=check.date(item, path, "start_date"),
            end_date=check.date(item, path, "end_date"),
            points=check.names(item, path, "points"),
            sources=check.names(item, path, "sources"),
        )
        if action.key in action_keys:
            check.error((*path, "key"), _("Another action has this key."))
        action_keys.add(action.key)
        if action.status not in Action.Status.values:
            check.error(
                (*path, "status"),
                _("Expected one of %(values)s.") % {"values": ", ".join(Action.Status.values)},
            )
        problem = progress_problem(action.status, action.progress)
        if problem:
            check.error((*path, "progress"), problem)
        elif action.status == Action.Status.DONE:
            action.progress = 100
        if action.start_date and action.end_date and action.end_date < action.start_date:
            check.error((*path, "end_date"), _("The end date is before the start date."))
        organisation = check.text(item, path, "owner_organisation", max_length=200)
        if organisation:
            matches = list(Organisation.objects.filter(name=organisation)[:2])
            if len(matches) != 1:
                check.error(
                    (*path, "owner_organisation"),
                    _("No organisation is named “%(name)s”.") % {"name": organisation}
                    if not matches
                    else _("Several organisations are named “%(name)s”.") % {"name": organisation},
                )
            elif matches[0].kind == Organisation.Kind.COMPANY:
                check.error((*path, "owner_organisation"), company_owner_problem())
            else:
                action.owner_organisation = matches[0]
        unknown_points = [n for n in action.points if n not in point_numbers]
        if unknown_points:
            check.error(
                (*path, "points"),
                _("No point %(numbers)s in this strategy.")
                % {"numbers": ", ".join(unknown_points)},
            )
        _check_source_refs(check, (*path, "sources"), action.sources, source_keys)
        doc.actions.append(action)

    if check.errors:
        raise ValidationError(check.errors)
    return doc


def company_owner_problem() -> str:
    """Why a company cannot own an action of a strategy: the actions are the
    infrastructure's own work, owned by its regions, universities and other organisations."""
    return _(
        "A company cannot own an action of the strategy; choose a region, university or "
        "other organisation."
    )


def progress_problem(status: str, progress: int | None) -> str:
    """Why a status and a progress cannot go together, or an empty string."""
    if status == Action.Status.DONE and progress not in (None, 100):
        return _("An action that is done is at 100 %; change the status or the progress.")
    return ""


def _check_source_refs(check: _Checker, path: Path, keys: list[str], known: set[str]) -> None:
    missing = [key for key in keys if key not in known]
    if missing:
        check.error(
            path,
            _("No source with the key %(keys)s under “sources”.") % {"keys": ", ".join(missing)},
        )


def read_file(name: str, content: bytes) -> list[tuple[dict[str, Any], Locator]]:
    """The documents of an uploaded or named file; CSV by its extension, YAML otherwise."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError([_("The file is not UTF-8 text.")]) from error
    if name.lower().endswith(".csv"):
        document, locator = read_csv(text)
        return [(document, locator)]
    data, locator = read_yaml(text)
    return documents_in(data, locator)
