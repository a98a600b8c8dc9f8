from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from samverkan.accounts.models import READ_ALL_ROLES
from samverkan.core.decorators import role_required
from samverkan.core.http import AuthedRequest
from samverkan.core.pagination import paginate

from . import actions, overview
from . import cache as effects_cache
from .export import csv_text, scope_lines
from .forms import DashboardForm, ReportForm, default_period, presets
from .indicators import Interval, Scope, get_indicator
from .models import Report

CONTENT_TYPES = {
    Report.Format.PDF: "application/pdf",
    Report.Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _dashboard_form(request: HttpRequest) -> tuple[DashboardForm, Scope, str]:
    """The filters asked for, with the default period filled in; defaults when invalid."""
    data = request.GET.copy()
    start, end = default_period()
    if not data.get("date_from") and not data.get("date_to"):
        data["date_from"], data["date_to"] = start.isoformat(), end.isoformat()
    form = DashboardForm(data)
    if form.is_valid():
        return form, form.scope(), form.interval_value()
    return form, Scope(start, end), Interval.QUARTER


def _preset_links(request: HttpRequest, scope: Scope) -> list[dict[str, Any]]:
    links = []
    for key, label, start, end in presets():
        query = request.GET.copy()
        query["date_from"], query["date_to"] = start.isoformat(), end.isoformat()
        links.append(
            {
                "key": key,
                "label": label,
                "query": query.urlencode(),
                "current": (scope.start, scope.end) == (start, end),
            }
        )
    return links


def _get_report_for_user(request: AuthedRequest, pk: int) -> Report:
    queryset = Report.objects.visible_to(request.user).select_related(
        "requested_by", "committee", "centre"
    )
    return get_object_or_404(queryset, pk=pk)


@require_GET
@role_required(*READ_ALL_ROLES)
def dashboard(request: AuthedRequest) -> HttpResponse:
    """Every indicator of the expected effects for a period and filters."""
    form, scope, interval = _dashboard_form(request)
    query = QueryDict(mutable=True)
    for name in ["date_from", "date_to", "committee", "centre", "kind", "interval"]:
        if form.is_valid() and form.data.get(name):
            query[name] = form.data[name]
    figures = effects_cache.figures_for(scope, interval)
    groups = figures.groups
    context = {
        "form": form,
        "scope": scope,
        "scope_lines": scope_lines(scope),
        "interval": interval,
        "groups": groups,
        # Older figures, shown while the worker computes them again.
        "figures_from": figures.computed_at if figures.stale else None,
        "overview": overview.cards(groups),
        "presets": _preset_links(request, scope),
        "query": query.urlencode(),
    }
    return render(request, "effects/dashboard.html", context)


@require_GET
@role_required(*READ_ALL_ROLES)
def indicator_csv(request: AuthedRequest, indicator_id: str) -> HttpResponse:
    """One indicator as CSV, for the same period and filters as the page."""
    indicator = get_indicator(indicator_id)
    if indicator is None:
        raise Http404
    form, scope, interval = _dashboard_form(request)
    if not form.is_valid():
        errors = "\n".join(str(e) for errors in form.errors.values() for e in errors)
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    result = indicator.compute(scope, interval)
    # A byte-order mark so that Excel opens the file as UTF-8 (å, ä, ö).
    response = HttpResponse("\ufeff" + csv_text(result), content_type="text/csv; charset=utf-8")
    filename = f"samverkan-{indicator.id}-{scope.start}-{scope.end}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
@role_required(*READ_ALL_ROLES)
def reports(request: AuthedRequest) -> HttpResponse:
    """Ask for an annual report, and the reports asked for so far."""
    if request.method == "POST":
        form = ReportForm(request.POST)
        if form.is_valid():
            try:
                report = actions.do_request_report(
                    request.user,
                    form.scope(),
                    language=form.cleaned_data["language"],
                    format=form.cleaned_data["format"],
                )
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("The report is being prepared."))
                return redirect(report)
    else:
        form = ReportForm(initial=ReportForm.initial_for(get_language() or "sv"))
    queryset = Report.objects.visible_to(request.user).select_related(
        "requested_by", "committee", "centre"
    )
    return render(
        request, "effects/reports.html", {"form": form, "page": paginate(request, queryset)}
    )


@require_GET
@role_required(*READ_ALL_ROLES)
def report_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """A report's progress; the page asks again every two seconds until it is ready."""
    report = _get_report_for_user(request, pk)
    template = "effects/report.html#status" if request.htmx else "effects/report.html"
    return render(request, template, {"report": report})


@require_GET
@role_required(*READ_ALL_ROLES)
def report_download(request: AuthedRequest, pk: int) -> HttpResponse:
    """The stored file, through this view only: reports have no public address."""
    report = _get_report_for_user(request, pk)
    if not report.is_ready:
        raise Http404
    try:
        handle = report.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=report.filename,
        content_type=CONTENT_TYPES[Report.Format(report.format)],
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    # A streaming response; role_required is typed for HttpResponse only.
    return response  # type: ignore[return-value]
