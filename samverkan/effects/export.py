"""The indicators as files: CSV per indicator, the annual report as PDF and as Excel."""

import datetime
import io
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import formats
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from samverkan.core.choices import CollaborationKind
from samverkan.core.models import Infrastructure
from samverkan.lib.spreadsheets import SafeCsvWriter, make_workbook_safe, safe_cell

from .formatting import COUNT, DAYS, MONEY, PERCENT, format_value
from .indicators import Column, Result, Scope, expected_effects

# --- Shared by the files ------------------------------------------------------------------


def scope_lines(scope: Scope) -> list[tuple[str, str]]:
    """The period and filters, as label and text, in the active language."""
    kinds = dict(CollaborationKind.choices)
    return [
        (
            _("Period"),
            f"{formats.date_format(scope.start, 'SHORT_DATE_FORMAT')} – "
            f"{formats.date_format(scope.end, 'SHORT_DATE_FORMAT')}",
        ),
        (_("Committee"), scope.committee.name if scope.committee else _("All committees")),
        (_("Regional centre"), scope.centre.name if scope.centre else _("All regional centres")),
        (
            _("Kind of collaboration"),
            str(kinds.get(scope.kind, scope.kind)) if scope.kind else _("All kinds"),
        ),
    ]


def column_heading(column: Column) -> str:
    if column.unit == PERCENT:
        return f"{column.label} (%)"
    if column.unit == DAYS:
        return f"{column.label} ({_('days')})"
    return column.label


def _plain(value: Any) -> Any:
    """A cell value for CSV: numbers as numbers, nothing as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return _text(value)


def _text(value: Any) -> Any:
    """Text as text: a spreadsheet must not run a name or a currency code as a formula."""
    return safe_cell(value)


def effect_labels() -> dict[str, str]:
    """Each indicator's id with the name of the first expected effect it measures."""
    labels: dict[str, str] = {}
    for effect, measured in expected_effects():
        for indicator in measured:
            labels.setdefault(indicator.id, effect.text if effect else "")
    return labels


# --- CSV ----------------------------------------------------------------------------------


def csv_text(result: Result) -> str:
    """One indicator as CSV: its figures, then each table, separated by an empty line.

    Numbers are plain (a point for decimals, per cent as 0-100), so spreadsheets and
    scripts read them alike; labels are in the active language.
    """
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    indicator = result.indicator
    writer.writerow([str(indicator.name)])
    writer.writerow([_("Expected effect"), effect_labels().get(indicator.id, "")])
    writer.writerow([_("Definition"), str(indicator.definition)])
    writer.writerow([_("From"), result.scope.start.isoformat()])
    writer.writerow([_("To"), result.scope.end.isoformat()])
    for label, text in scope_lines(result.scope)[1:]:
        writer.writerow([label, text])
    writer.writerow([])
    if result.no_data:
        writer.writerow([_("No data yet")])
        return out.getvalue()
    writer.writerow([_("Figure"), _("Value"), _("Unit")])
    for figure in result.figures:
        unit = figure.currency or {PERCENT: "%", DAYS: _("days")}.get(figure.unit, "")
        writer.writerow([_text(figure.label), _plain(figure.value), unit])
    for table in result.tables:
        writer.writerow([])
        writer.writerow([table.caption])
        writer.writerow([table.row_header, *[column_heading(c) for c in table.columns]])
        for row in table.rows:
            writer.writerow([_text(row.label), *[_plain(v) for v in row.values]])
        if table.note:
            writer.writerow([table.note])
    return out.getvalue()


# --- Excel --------------------------------------------------------------------------------

EXCEL_FORMATS = {COUNT: "#,##0", PERCENT: "0.0%", DAYS: "0.0", MONEY: "#,##0.00"}
FORBIDDEN_IN_SHEET_TITLES = str.maketrans(dict.fromkeys("[]:*?/\\", "-"))


def sheet_title(name: str, taken: set[str]) -> str:
    """A sheet title Excel accepts: at most 31 characters, none of []:*?/\\, unique."""
    base = name.translate(FORBIDDEN_IN_SHEET_TITLES)[:31].strip() or "Sheet"
    title, n = base, 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(title.lower())
    return title


def _excel_value(value: Any, unit: str) -> Any:
    if value is None:
        return None
    if unit == PERCENT:
        return float(Decimal(value) / 100)  # Excel shows a fraction in the 0.0% format
    if isinstance(value, Decimal):
        return float(value)
    return value


def xlsx_bytes(
    results: list[tuple[Result, Result | None]], scope: Scope, generated_at: datetime.datetime
) -> bytes:
    """The workbook: a summary sheet, then one sheet per indicator with its definition,
    figures, tables and a chart of its series."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, LineChart, Reference
    from openpyxl.styles import Alignment, Font

    bold = Font(bold=True)
    title_font = Font(bold=True, size=14)
    wrap = Alignment(wrap_text=True, vertical="top")
    workbook = Workbook()
    summary = workbook.active
    assert summary is not None  # noqa: S101  # a new workbook always has its first sheet
    taken: set[str] = set()
    summary.title = sheet_title(_("Summary"), taken)
    summary.append([_("Effects of industry collaboration")])
    summary["A1"].font = title_font
    for label, text in scope_lines(scope):
        summary.append([label, text])
    summary.append([_("Generated"), formats.date_format(generated_at, "SHORT_DATETIME_FORMAT")])
    summary.append([])
    summary.append([_("Indicator"), _("Figure"), _("Value"), _("Unit")])
    for cell in summary[summary.max_row]:
        cell.font = bold

    labels = effect_labels()
    for result, by_year in results:
        indicator = result.indicator
        for figure in result.figures or []:
            summary.append(
                [
                    str(indicator.name),
                    _text(figure.label),
                    _excel_value(figure.value, figure.unit),
                    figure.currency or {PERCENT: "%", DAYS: _("days")}.get(figure.unit, ""),
                ]
            )
            summary.cell(summary.max_row, 3).number_format = EXCEL_FORMATS[figure.unit]
        if result.no_data:
            summary.append([str(indicator.name), _("No data yet")])

        sheet = workbook.create_sheet(sheet_title(str(indicator.short_name), taken))
        sheet.append([str(indicator.name)])
        sheet["A1"].font = title_font
        sheet.append([_("Expected effect"), labels.get(indicator.id, "")])
        sheet.append([_("Definition"), str(indicator.definition)])
        sheet.cell(sheet.max_row, 2).alignment = wrap
        for label, text in scope_lines(scope):
            sheet.append([label, text])
        if result.ignored_filters:
            sheet.append([_("Not filtered by"), ", ".join(result.ignored_filters)])
        sheet.append([])
        if result.no_data:
            sheet.append([_("No data yet")])
            continue
        sheet.append([_("Figure"), _("Value"), _("Unit")])
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        for figure in result.figures:
            sheet.append(
                [
                    _text(figure.label),
                    _excel_value(figure.value, figure.unit),
                    figure.currency or {PERCENT: "%", DAYS: _("days")}.get(figure.unit, ""),
                ]
            )
            sheet.cell(sheet.max_row, 2).number_format = EXCEL_FORMATS[figure.unit]
        tables = [*result.tables, *([by_year.series] if by_year and by_year.series else [])]
        chart_anchor = None
        for table in tables:
            sheet.append([])
            sheet.append([table.caption])
            sheet.cell(sheet.max_row, 1).font = bold
            sheet.append([table.row_header, *[_text(column_heading(c)) for c in table.columns]])
            header_row = sheet.max_row
            for cell in sheet[header_row]:
                cell.font = bold
            for row in table.rows:
                sheet.append(
                    [
                        _text(row.label),
                        *[
                            _excel_value(v, c.unit)
                            for v, c in zip(row.values, table.columns, strict=True)
                        ],
                    ]
                )
                for i, column in enumerate(table.columns, start=2):
                    sheet.cell(sheet.max_row, i).number_format = EXCEL_FORMATS[column.unit]
            if table.note:
                sheet.append([table.note])
            if table is result.series and table.rows:
                chart_anchor = (table, header_row)
        if chart_anchor is not None:
            table, header_row = chart_anchor
            chart = LineChart() if indicator.chart_type == "line" else BarChart()
            chart.title = str(indicator.name)
            chart.height, chart.width = 7.5, 16
            first, last = header_row + 1, header_row + len(table.rows)
            for i, column in enumerate(table.columns, start=2):
                if column.chart:
                    data = Reference(sheet, min_col=i, min_row=header_row, max_row=last)
                    chart.add_data(data, titles_from_data=True)
            chart.set_categories(Reference(sheet, min_col=1, min_row=first, max_row=last))
            sheet.add_chart(chart, f"{_column_letter(len(table.columns) + 3)}6")
        sheet.column_dimensions["A"].width = 42
        for letter in "BCDEFGH":
            sheet.column_dimensions[letter].width = 20
    summary.column_dimensions["A"].width = 46
    summary.column_dimensions["B"].width = 40
    summary.column_dimensions["C"].width = 16

    make_workbook_safe(workbook)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _column_letter(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)


# --- PDF ----------------------------------------------------------------------------------

PALETTE = ["#0b5563", "#b3261e", "#8a5300", "#1e6b34", "#5b3f99", "#4a5565"]


def svg_chart(result: Result, width: int = 640, height: int = 230) -> SafeString:
    """The series as a small SVG chart (grouped bars or lines) for the PDF, drawn here so
    the report needs no browser."""
    chart = result.chart
    if not chart or not chart["x"]:
        return mark_safe("")  # an empty string
    labels: list[str] = chart["x"]
    series: list[dict[str, Any]] = chart["series"]
    values = [v for s in series for v in s["values"] if v is not None]
    top = 100.0 if chart["unit"] == PERCENT else max([*values, 0]) or 1.0
    if chart["unit"] != PERCENT:
        top = _nice_ceiling(top)
    left, right, upper, lower = 48, 10, 28, 42
    plot_w, plot_h = width - left - right, height - upper - lower
    slot = plot_w / max(len(labels), 1)

    def y(value: float) -> float:
        return upper + plot_h - (value / top) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, sans-serif" font-size="9">'
    ]
    tick_unit = COUNT if chart["unit"] == MONEY else chart["unit"]
    for step in range(5):
        value = top * step / 4
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'stroke="#c9d1da" stroke-width="0.5"/>'
            f'<text x="{left - 4}" y="{y(value) + 3:.1f}" text-anchor="end" fill="#1c2430">'
            f"{escape(_tick(value, tick_unit))}"
            "</text>"
        )
    every = max(1, len(labels) // 12)
    for i, label in enumerate(labels):
        if i % every == 0:
            x = left + slot * (i + 0.5)
            parts.append(
                f'<text x="{x:.1f}" y="{upper + plot_h + 14}" text-anchor="middle" '
                f'fill="#1c2430">{escape(label)}</text>'
            )
    if chart["type"] == "line":
        for n, s in enumerate(series):
            colour = PALETTE[n % len(PALETTE)]
            points = [
                (left + slot * (i + 0.5), y(v)) for i, v in enumerate(s["values"]) if v is not None
            ]
            if len(points) > 1:
                path = " ".join(f"{x:.1f},{py:.1f}" for x, py in points)
                parts.append(
                    f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
                )
            parts += [
                f'<circle cx="{x:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>' for x, py in points
            ]
    else:
        bar_w = slot * 0.8 / max(len(series), 1)
        for n, s in enumerate(series):
            colour = PALETTE[n % len(PALETTE)]
            for i, v in enumerate(s["values"]):
                if not v:
                    continue
                x = left + slot * i + slot * 0.1 + bar_w * n
                parts.append(
                    f'<rect x="{x:.1f}" y="{y(v):.1f}" width="{bar_w:.1f}" '
                    f'height="{upper + plot_h - y(v):.1f}" fill="{colour}"/>'
                )
    legend_x = left
    for n, s in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        parts.append(
            f'<rect x="{legend_x}" y="8" width="10" height="10" fill="{colour}"/>'
            f'<text x="{legend_x + 14}" y="17" fill="#1c2430">{escape(s["name"])}</text>'
        )
        legend_x += 24 + 6 * len(s["name"])
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  # every text in it is escaped


def _nice_ceiling(value: float) -> float:
    """The next round number above a value, for the top of an axis."""
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)


def _tick(value: float, unit: str) -> str:
    """An axis label: whole per cents, otherwise the value as the tables show it."""
    if unit == PERCENT:
        return f"{round(value)} %"
    rounded = int(value) if float(value).is_integer() else Decimal(str(value))
    return format_value(rounded, COUNT if unit == COUNT else DAYS)


def pdf_bytes(
    results: list[tuple[Result, Result | None]], scope: Scope, generated_at: datetime.datetime
) -> bytes:
    """The annual report as a PDF, drawn by WeasyPrint from an HTML template."""
    from weasyprint import HTML

    sections: list[dict[str, Any]] = []
    for result, by_year in results:
        sections.append(
            {
                "result": result,
                "chart": svg_chart(result),
                "tables": [
                    *result.tables,
                    *([by_year.series] if by_year is not None and by_year.series else []),
                ],
            }
        )
    by_id = {s["result"].indicator.id: s for s in sections}
    effects = [
        {"label": effect.text if effect else _("Indicators"), "sections": chosen}
        for effect, measured in expected_effects()
        if (chosen := [by_id[i.id] for i in measured if i.id in by_id])
    ]
    html = render_to_string(
        "effects/report_pdf.html",
        {
            "effects": effects,
            "scope_lines": scope_lines(scope),
            "generated_at": generated_at,
            "infrastructure": Infrastructure.current(),
        },
    )
    return bytes(HTML(string=html).write_pdf())
