"""The strategy tracker: public, read-only pages for everyone, and the coordinators' forms.
Thin views over `progress.py` (reading) and `actions.py` (writing)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, F, Min, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from samverkan.accounts.models import STAFF_ROLES, Role, User
from samverkan.collaborations.models import Collaboration
from samverkan.core.decorators import public, role_required
from samverkan.core.http import AuthedRequest
from samverkan.core.models import StaleRecordError
from samverkan.core.pagination import paginate
from samverkan.register.models import RegisterEntry

from . import actions, exchange
from .filters import ActionFilter, StrategyFilter
from .forms import (
    ActionEditForm,
    ActionForm,
    ActionProgressForm,
    ImportForm,
    LinkActionForm,
    LinkCollaborationForm,
    VersionForm,
)
from .models import Action, Area, Point, Source, Strategy
from .progress import (
    action_queryset,
    collaborations_serving,
    strategies_with_progress,
    strategy_tree,
    with_rollup,
    without_work,
)

EDITORS = tuple(STAFF_ROLES)
# A strategy's own editors may have any role; the views check them against the strategy.
SIGNED_IN = tuple(Role.values)


def published_only(user: Any) -> bool:
    """Collaboration figures count only published collaborations for those who may not see
    every collaboration: the public, companies and committee members."""
    return not (isinstance(user, User) and user.reads_everything)


def _get_strategy(pk: int) -> Strategy:
    return get_object_or_404(Strategy.objects.select_related("implements"), pk=pk)


def _get_strategy_for_page(
    request: HttpRequest, pk: int, *, children: bool = False
) -> tuple[Strategy, list[Strategy]]:
    """The strategy with its progress, point count and whether the user may edit it, and
    (with `children`) the strategies that implement it, all in one query."""
    wanted = Q(pk=pk) | Q(implements_id=pk) if children else Q(pk=pk)
    rows = list(
        actions.with_may_edit(
            strategies_with_progress(Strategy.objects.select_related("implements")),
            request.user,
        )
        .filter(wanted)
        .order_by("position", "pk")
    )
    strategy = next((row for row in rows if row.pk == pk), None)
    if strategy is None:
        raise Http404
    return strategy, [row for row in rows if row.pk != pk]


def _get_point(request: HttpRequest, pk: int) -> Point:
    """The point with its figures; every point is public."""
    queryset = with_rollup(
        Point.objects.select_related("area", "strategy", "goal"),
        published_only=published_only(request.user),
    )
    return get_object_or_404(actions.with_may_edit(queryset, request.user, "strategy_id"), pk=pk)


def _linked_points(point: Point) -> tuple[list[Point], list[Point]]:
    """The points this point implements, and those that implement it, in one query."""
    links = Point.implements_points.through.objects.filter(
        Q(from_point=point) | Q(to_point=point)
    ).select_related("from_point__strategy", "to_point__strategy")
    implements = [link.to_point for link in links if link.from_point_id == point.pk]
    implemented_by = [link.from_point for link in links if link.to_point_id == point.pk]
    implements.sort(key=lambda p: (p.sort_key, p.pk))
    # By strategy, in the strategies' own order, then by number.
    implemented_by.sort(key=lambda p: (p.strategy.position, p.strategy_id, p.sort_key, p.pk))
    return implements, implemented_by


def _get_action_for_editor(request: AuthedRequest, pk: int) -> Action:
    action = get_object_or_404(Action.objects.select_related("strategy"), pk=pk)
    if not actions.may_edit(request.user, action.strategy):
        raise PermissionDenied
    return action


def _apply_errors(form: Any, error: ValidationError) -> None:
    """Show an action's refusal on the fields it names, the rest above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            target = name if name in form.fields else None
            for item in errors:
                form.add_error(target, item.messages)
    else:
        form.add_error(None, error.messages)


def _form_messages(form: Any) -> list[str]:
    return [str(message) for errors in form.errors.values() for message in errors]


def _report(request: HttpRequest, error: Exception) -> None:
    if isinstance(error, ValidationError):
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.error(request, str(error))


# Reading -------------------------------------------------------------------------------


@public
def strategy_list(request: HttpRequest) -> HttpResponse:
    queryset = strategies_with_progress(Strategy.objects.select_related("implements"))
    filterset = StrategyFilter(request.GET, queryset=queryset)
    context = {
        "filter": filterset,
        "page": paginate(request, filterset.qs),
        "can_edit": actions.edits_any_strategy(request.user),
    }
    return render(request, "strategy/list.html", context)


def _strategy_context(request: HttpRequest, strategy: Strategy) -> dict[str, Any]:
    return {
        "strategy": strategy,
        "can_edit": strategy.user_may_edit,  # type: ignore[attr-defined]
        "published_only": published_only(request.user),
    }


@public
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The tree: areas → points → actions, each with its rolled-up progress."""
    strategy, children = _get_strategy_for_page(request, pk, children=True)
    context = _strategy_context(request, strategy)
    context["tree"] = strategy_tree(strategy, published_only=context["published_only"])
    context["children"] = children
    return render(request, "strategy/detail.html", context)


@public
def gaps(request: HttpRequest, pk: int) -> HttpResponse:
    """Points with no work behind them: no action ongoing or done, no collaboration."""
    strategy, _children = _get_strategy_for_page(request, pk)
    context = _strategy_context(request, strategy)
    points = Point.objects.filter(strategy=strategy)
    context["gaps"] = list(
        without_work(points, published_only=context["published_only"])
        .select_related("area")
        .order_by("area__number", "sort_key")
    )
    context["point_count"] = strategy.point_count  # type: ignore[attr-defined]
    context["empty_areas"] = list(
        Area.objects.filter(strategy=strategy)
        .exclude(Exists(Point.objects.filter(area_id=OuterRef("pk"))))
        .order_by("number")
    )
    return render(request, "strategy/gaps.html", context)


def timeline_actions(strategy: Strategy) -> QuerySet[Action]:
    """The strategy's actions by date: start, else end, else the earliest source's date."""
    first_source = (
        Source.objects.filter(actions=OuterRef("pk"), published_on__isnull=False)
        .order_by()
        .values("actions")
        .annotate(first=Min("published_on"))
        .values("first")
    )
    return (
        action_queryset()
        .filter(strategy=strategy)
        .prefetch_related(Prefetch("points", queryset=Point.objects.order_by("sort_key")))
        .annotate(when=Coalesce("start_date", "end_date", Subquery(first_source)))
        .order_by(F("when").asc(nulls_last=True), "position", "pk")
    )


@public
def timeline(request: HttpRequest, pk: int) -> HttpResponse:
    strategy, _children = _get_strategy_for_page(request, pk)
    context = _strategy_context(request, strategy)
    filterset = ActionFilter(request.GET, queryset=timeline_actions(strategy))
    context.update({"filter": filterset, "page": paginate(request, filterset.qs)})
    return render(request, "strategy/timeline.html", context)


@public
def point_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A point, its actions, and the collaborations that serve it as far as the user may see:
    staff all, committee members their committees', companies their own, the public the
    titles of those published in the register."""
    point = _get_point(request, pk)
    user = request.user
    serving = collaborations_serving(point)
    listed: QuerySet[Any]
    public_view = not (isinstance(user, User) and user.is_authenticated)
    if isinstance(user, User) and user.is_authenticated:
        listed = serving.visible_to(user).order_by("title", "pk")  # type: ignore[attr-defined]
    else:
        listed = (
            RegisterEntry.objects.published()
            .filter(collaboration__in=serving.values("pk"))
            .order_by("title", "pk")
        )
    can_edit = actions.may_edit(user)
    can_edit_actions = point.user_may_edit  # type: ignore[attr-defined]
    point_actions = list(action_queryset().filter(points=point).order_by("position", "pk"))
    implements, implemented_by = _linked_points(point)
    context: dict[str, Any] = {
        "point": point,
        "strategy": point.strategy,
        "actions": point_actions,
        "implements": implements,
        "implemented_by": implemented_by,
        "sources": list(point.sources.order_by("position", "pk")),
        "page": paginate(request, listed),
        "public_view": public_view,
        "can_edit": can_edit,
        "can_edit_actions": can_edit_actions,
        "published_only": published_only(user),
    }
    if can_edit_actions:
        context["link_collaboration_form"] = LinkCollaborationForm(
            initial={"version": point.version}
        )
        context["progress_forms"] = {
            action.pk: ActionProgressForm(
                initial={
                    "version": action.version,
                    "status": action.status,
                    "progress": action.progress,
                },
                prefix=f"action-{action.pk}",
            )
            for action in point_actions
        }
        for action in point_actions:
            action.progress_form = context["progress_forms"][action.pk]  # type: ignore[attr-defined]
    if can_edit:  # only coordinators link actions to points
        form = LinkActionForm(initial={"version": point.version}, point=point)
        # The actions it may link, read once for both the question and the choices.
        field: Any = form.fields["action"]
        choices = [(str(a.pk), field.label_from_instance(a)) for a in field.queryset]
        field.choices = [("", field.empty_label), *choices]
        context["link_action_form"] = form
        context["actions_to_link"] = bool(choices)
    return render(request, "strategy/point.html", context)


# Files ---------------------------------------------------------------------------------


@role_required(*EDITORS)
def export(request: AuthedRequest, pk: int, fmt: str) -> HttpResponse:
    strategy = _get_strategy(pk)
    document = exchange.export_document(strategy)
    if fmt == "csv":
        response = HttpResponse(exchange.to_csv(document), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            exchange.to_yaml(document), content_type="application/yaml; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="{strategy.slug}.{fmt}"'
    return response


@role_required(*SIGNED_IN)
def import_file(request: AuthedRequest) -> HttpResponse:
    if not actions.edits_any_strategy(request.user):
        raise PermissionDenied
    problems: list[str] = []
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                results = actions.do_import_file(request.user, upload.name, upload.read())
            except ValidationError as error:
                problems = error.messages
            except PermissionDenied as error:
                problems = [str(error) or _("You may not import this file.")]
            else:
                for result in results:
                    counts = result.counts
                    messages.success(
                        request,
                        _(
                            "“%(title)s” imported: %(created)s added, %(updated)s changed, "
                            "%(deleted)s removed."
                        )
                        % {
                            "title": result.strategy.title,
                            "created": counts["created"],
                            "updated": counts["updated"],
                            "deleted": counts["deleted"],
                        },
                    )
                if results:
                    return redirect(results[-1].strategy)
                problems = [_("The file holds no strategy.")]
    else:
        form = ImportForm()
    status = 400 if problems else 200
    return render(
        request, "strategy/import.html", {"form": form, "problems": problems}, status=status
    )


# Actions -------------------------------------------------------------------------------


@role_required(*SIGNED_IN)
def action_new(request: AuthedRequest, pk: int) -> HttpResponse:
    strategy = _get_strategy(pk)
    if not actions.may_edit(request.user, strategy):
        raise PermissionDenied
    if request.method == "POST":
        form = ActionForm(request.POST, strategy=strategy)
        if form.is_valid():
            try:
                actions.do_create_action(request.user, strategy, form.action_data())
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("The action is saved."))
                return redirect(strategy)
    else:
        initial = {}
        point_id = request.GET.get("point", "")
        if point_id.isdigit():
            initial["points"] = Point.objects.filter(strategy=strategy, pk=int(point_id))
        form = ActionForm(initial=initial, strategy=strategy)
    return render(
        request, "strategy/action_form.html", {"form": form, "strategy": strategy, "action": None}
    )


@role_required(*SIGNED_IN)
def action_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    action = _get_action_for_editor(request, pk)
    strategy = action.strategy
    if request.method == "POST":
        form = ActionEditForm(request.POST, strategy=strategy)
        if form.is_valid():
            try:
                actions.do_update_action(
                    request.user,
                    action,
                    form.action_data(),
                    expected_version=form.cleaned_data["version"],
                )
            except StaleRecordError as error:
                form.add_error(None, str(error))
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("The action is saved."))
                return redirect(strategy)
    else:
        form = ActionEditForm(initial=ActionForm.initial_for(action), strategy=strategy)
    return render(
        request,
        "strategy/action_form.html",
        {"form": form, "strategy": strategy, "action": action},
    )


def _back(request: HttpRequest, point: Point | None, strategy: Strategy) -> HttpResponse:
    return redirect(point if point is not None else strategy)


@require_POST
@role_required(*SIGNED_IN)
def action_progress(request: AuthedRequest, pk: int) -> HttpResponse:
    action = _get_action_for_editor(request, pk)
    form = ActionProgressForm(request.POST, prefix=f"action-{action.pk}")
    point_id = request.POST.get("point", "")
    point = (
        Point.objects.filter(pk=int(point_id), actions=action).first()
        if point_id.isdigit()
        else None
    )
    if not form.is_valid():
        for message in _form_messages(form):
            messages.error(request, message)
        return _back(request, point, action.strategy)
    try:
        action = actions.do_set_action_progress(
            request.user,
            action,
            form.cleaned_data["status"],
            form.cleaned_data["progress"],
            expected_version=form.cleaned_data["version"],
        )
    except (StaleRecordError, ValidationError) as error:
        _report(request, error)
    else:
        messages.success(
            request,
            _("“%(title)s” is now “%(status)s”.")
            % {"title": action.title, "status": action.get_status_display()},
        )
    return _back(request, point, action.strategy)


@require_POST
@role_required(*EDITORS)
def link_collaboration(request: AuthedRequest, pk: int) -> HttpResponse:
    point = get_object_or_404(Point, pk=pk)
    form = LinkCollaborationForm(request.POST)
    if not form.is_valid():
        for message in _form_messages(form):
            messages.error(request, message)
        return redirect(point)
    try:
        actions.do_link_collaboration(
            request.user,
            point,
            form.cleaned_data["collaboration"],
            expected_version=form.cleaned_data["version"],
        )
    except (StaleRecordError, ValidationError) as error:
        _report(request, error)
    else:
        messages.success(request, _("The collaboration is linked to the point."))
    return redirect(point)


@require_POST
@role_required(*EDITORS)
def unlink_collaboration(request: AuthedRequest, pk: int, collaboration_id: int) -> HttpResponse:
    point = get_object_or_404(Point, pk=pk)
    collaboration = get_object_or_404(Collaboration, pk=collaboration_id)
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete; reload the page and try again."))
        return redirect(point)
    try:
        actions.do_unlink_collaboration(
            request.user, point, collaboration, expected_version=form.cleaned_data["version"]
        )
    except (StaleRecordError, ValidationError) as error:
        _report(request, error)
    else:
        messages.success(request, _("The collaboration is no longer linked to the point."))
    return redirect(point)


@require_POST
@role_required(*EDITORS)
def link_action(request: AuthedRequest, pk: int) -> HttpResponse:
    point = get_object_or_404(Point, pk=pk)
    form = LinkActionForm(request.POST, point=point)
    if not form.is_valid():
        for message in _form_messages(form):
            messages.error(request, message)
        return redirect(point)
    try:
        actions.do_link_action(
            request.user,
            point,
            form.cleaned_data["action"],
            expected_version=form.cleaned_data["version"],
        )
    except (StaleRecordError, ValidationError) as error:
        _report(request, error)
    else:
        messages.success(request, _("The action is linked to the point."))
    return redirect(point)


@require_POST
@role_required(*EDITORS)
def unlink_action(request: AuthedRequest, pk: int, action_id: int) -> HttpResponse:
    point = get_object_or_404(Point, pk=pk)
    action = get_object_or_404(Action, pk=action_id)
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete; reload the page and try again."))
        return redirect(point)
    try:
        actions.do_unlink_action(
            request.user, point, action, expected_version=form.cleaned_data["version"]
        )
    except (StaleRecordError, ValidationError) as error:
        _report(request, error)
    else:
        messages.success(request, _("The action is no longer linked to the point."))
    return redirect(point)
