"""The report as one self-contained HTML page: tables and inline SVG charts, printable.

Nothing is fetched when the page opens (no script, font or stylesheet from the network), so a
head of office can open it from a USB stick or print it. Every text is escaped; the figures are
aggregate only.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from desk.i18n import current_language, t
from desk.metrics import Report
from desk.report_view import ALL_COLUMNS, NUMERIC, cell, column_title, number_text

RECEIVED_COLOUR = "#1f4e79"
FOLLOWED_COLOUR = "#70ad47"
OVERDUE_COLOUR = "#c0392b"

STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 24px 0 8px; }
p.meta { color: #555; margin: 2px 0; font-size: 13px; }
table { border-collapse: collapse; font-size: 11px; width: 100%; }
th, td { border: 1px solid #ccc; padding: 3px 5px; }
th { background: #1f4e79; color: #fff; text-align: left; vertical-align: bottom; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.office td { font-weight: bold; background: #eef3f8; }
tr.unranked td { color: #666; }
.note { font-size: 12px; color: #333; max-width: 960px; }
svg text { font-family: "DejaVu Sans", Arial, sans-serif; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
@media print {
  body { margin: 8mm; } h2 { break-after: avoid; } table, svg { break-inside: avoid; }
  th { background: #ddd !important; color: #000; -webkit-print-color-adjust: exact; }
  @page { size: A4 landscape; margin: 10mm; }
}
"""


def _text(value: object) -> str:
    return escape(str(value), quote=True)


def _bars(
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[int]]],
    *,
    width: int = 720,
    height: int = 220,
    title: str,
) -> str:
    """A grouped vertical bar chart as an SVG element."""
    left, bottom, top = 44, 40, 24
    plot_w, plot_h = width - left - 10, height - bottom - top
    peak = max([1, *(value for _n, _c, values in series for value in values)])
    group = plot_w / max(1, len(labels))
    bar = max(1.0, group * 0.8 / max(1, len(series)))
    parts = [
        f'<svg width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{_text(title)}">',
        f'<text x="{left}" y="14" font-size="12">{_text(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" '
        'stroke="#888"/>',
    ]
    for fraction in (0.5, 1.0):
        y = top + plot_h - plot_h * fraction
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="#eee"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end">'
            f"{_text(number_text(round(peak * fraction)))}</text>"
        )
    step = max(1, len(labels) // 12)  # at most a dozen labels under the axis
    for index, label in enumerate(labels):
        x0 = left + index * group + group * 0.1
        for position, (_name, colour, values) in enumerate(series):
            value = values[index]
            h = plot_h * value / peak
            parts.append(
                f'<rect x="{x0 + position * bar:.1f}" y="{top + plot_h - h:.1f}" '
                f'width="{bar:.1f}" height="{h:.1f}" fill="{colour}">'
                f"<title>{_text(label)}: {_text(number_text(value))}</title></rect>"
            )
        if index % step == 0:
            parts.append(
                f'<text x="{x0 + group * 0.4:.1f}" y="{top + plot_h + 14}" font-size="10" '
                f'text-anchor="middle">{_text(label)}</text>'
            )
    legend_x = left
    for name, colour, _values in series:
        parts.append(
            f'<rect x="{legend_x}" y="{height - 14}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{legend_x + 14}" y="{height - 5}" font-size="11">{_text(name)}</text>'
        )
        legend_x += 16 + 8 * len(name)
    parts.append("</svg>")
    return "".join(parts)


def _horizontal(rows: Sequence[tuple[str, int]], *, title: str, width: int = 720) -> str:
    """Horizontal bars, one a row (overdue cases per unit)."""
    line, left = 16, 130
    height = 28 + line * max(1, len(rows))
    peak = max([1, *(value for _label, value in rows)])
    parts = [
        f'<svg width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{_text(title)}">',
        f'<text x="0" y="14" font-size="12">{_text(title)}</text>',
    ]
    for index, (label, value) in enumerate(rows):
        y = 22 + index * line
        w = (width - left - 60) * value / peak
        parts.append(
            f'<text x="{left - 6}" y="{y + 11}" font-size="10" text-anchor="end">'
            f"{_text(label)}</text>"
            f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{line - 4}" '
            f'fill="{OVERDUE_COLOUR}"/>'
            f'<text x="{left + w + 4:.1f}" y="{y + 11}" font-size="10">'
            f"{_text(number_text(value))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def render_html(report: Report) -> str:
    """The whole page, in the current language."""
    period = t(
        "report.period",
        label=report.period.label,
        start=report.period.start.isoformat(),
        end=report.period.end.isoformat(),
        tz=report.office_tz,
    )
    head = "".join(f"<th>{_text(column_title(key))}</th>" for key in ALL_COLUMNS)
    body: list[str] = []
    rows = [(row, False) for row in report.units]
    if report.unit_filter is None:
        rows.append((report.office, True))
    for row, office in rows:
        css = "office" if office else ("" if row.ranked else "unranked")
        cells = "".join(
            f'<td class="n">{_text(cell(row, key, office=office))}</td>'
            if key in NUMERIC
            else f"<td>{_text(cell(row, key, office=office))}</td>"
            for key in ALL_COLUMNS
        )
        body.append(f'<tr class="{css}">{cells}</tr>')
    weekly = _bars(
        [point.week_start.strftime("%d/%m") for point in report.weekly],
        [
            (t("report.received"), RECEIVED_COLOUR, [p.received for p in report.weekly]),
            (t("report.followed_up"), FOLLOWED_COLOUR, [p.followed_up for p in report.weekly]),
        ],
        title=t("report.weekly"),
    )
    distribution = _bars(
        [
            t("report.unanswered_bucket") if label == "unanswered" else label
            for label, _count in report.distribution
        ],
        [(t("report.cases"), RECEIVED_COLOUR, [count for _label, count in report.distribution])],
        title=t("report.distribution"),
        # 720 like the weekly chart: at 520 "belum dijawab" ran into the ">20" beside it.
    )
    overdue_rows = sorted(
        ((row.code, row.overdue_now) for row in report.units if row.overdue_now),
        key=lambda item: (-item[1], item[0]),
    )
    overdue = _horizontal(overdue_rows, title=t("report.overdue"))
    title = t("report.title")
    return f"""<!DOCTYPE html>
<html lang="{current_language()}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_text(title)} · {_text(report.period.label)}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>{_text(title)}</h1>
<p class="meta">{_text(period)}</p>
<p class="meta">{_text(t("report.generated", at=report.generated_at))}</p>
<h2>{_text(t("report.ranking"))}</h2>
<p class="note">{_text(t("report.criteria", min=report.min_cases))}</p>
<table>
<thead><tr>{head}</tr></thead>
<tbody>
{"".join(body)}
</tbody>
</table>
<div class="charts">
<div>{weekly}</div>
<div>{distribution}</div>
</div>
<h2>{_text(t("report.overdue"))}</h2>
{overdue}
<h2>{_text(t("report.definitions"))}</h2>
<p class="note">{_text(t("report.definitions_text"))}</p>
<p class="note">{_text(t("report.privacy"))}</p>
</body>
</html>
"""
