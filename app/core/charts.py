"""Charts as SVG made on the server with pygal: no script, nothing fetched, the same SVG in pages
and in PDFs. Every chart carries a title for screen readers; pages also show the numbers as a
table, so the chart is never the only way to read them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pygal
from markupsafe import Markup
from pygal.style import Style

from app.core.security import csp_nonce

#: Bootstrap's palette, so charts match the pages
STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#212529",
    foreground_strong="#212529",
    foreground_subtle="#6c757d",
    opacity=".35",
    opacity_hover=".55",
    colors=("#0d6efd", "#dc3545", "#198754", "#fd7e14", "#6f42c1", "#20c997"),
    font_family="'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif",
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=12,
    title_font_size=14,
    value_font_size=11,
)


def _config(chart_class, title: str, **options):
    return chart_class(
        title=title,
        style=STYLE,
        js=[],  # pygal loads an external script by default: never
        disable_xml_declaration=True,
        explicit_size=False,
        show_legend=options.pop("show_legend", True),
        legend_at_bottom=True,
        print_values=False,
        **options,
    )


_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
_TOOLTIP = re.compile(
    r'<g transform="translate\(0 0\)" style="opacity: 0" class="tooltip">.*?</g>', re.S
)


def _render(chart) -> Markup:
    svg = chart.render(is_unicode=True)
    # pygal embeds its config as an inline script and an invisible tooltip for that script:
    # neither is wanted without JavaScript (and an inline script would break the CSP)
    svg = _TOOLTIP.sub("", _SCRIPT.sub("", svg))
    # its <style> element is allowed by the response's CSP nonce (style-src has no
    # 'unsafe-inline'); the nonce is random text from secrets, safe inside the attribute
    nonce = csp_nonce()
    if nonce:
        svg = svg.replace("<style ", f'<style nonce="{nonce}" ')
    # its <title> names the chart for screen readers
    return Markup(svg.replace("<svg ", '<svg role="img" focusable="false" ', 1))  # noqa: S704


def radar(
    title: str,
    axes: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    maximum: float = 5,
) -> Markup:
    """A radar chart: one axis per label, one filled polygon per series (levels 0..maximum)."""
    chart = _config(
        pygal.Radar,
        title,
        range=(0, maximum),
        fill=True,
        dots_size=3,
        width=460,
        height=420,
        x_label_rotation=0,
        truncate_label=-1,
    )
    chart.x_labels = list(axes)
    for name, values in series:
        chart.add(name, [None if v is None else float(v) for v in values])
    return _render(chart)


def line(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    rotation: int = 30,
) -> Markup:
    """A line chart over ``labels`` (e.g. months), one line per series; gaps stay gaps."""
    options = {
        "width": 640,
        "height": 320,
        "x_label_rotation": rotation,
        "allow_interruptions": True,
    }
    if minimum is not None and maximum is not None:
        options["range"] = (minimum, maximum)
    chart = _config(pygal.Line, title, **options)
    chart.x_labels = list(labels)
    for name, values in series:
        chart.add(name, [None if v is None else float(v) for v in values])
    return _render(chart)


def bars(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    show_legend: bool = False,
) -> Markup:
    """A bar chart (a histogram when ``labels`` are ranges)."""
    chart = _config(
        pygal.Bar, title, width=640, height=320, x_label_rotation=30, show_legend=show_legend
    )
    chart.x_labels = list(labels)
    for name, values in series:
        chart.add(name, [None if v is None else float(v) for v in values])
    return _render(chart)


def scatter(
    title: str,
    points: Sequence[tuple[float, float]],
    fitted: Sequence[tuple[float, float]] = (),
    *,
    x_title: str = "",
    y_title: str = "",
    points_label: str = "",
    line_label: str = "",
    x_labels: Sequence[float] | None = None,
) -> Markup:
    """A scatter plot of (x, y) points with an optional fitted line (``x_labels``: the ticks
    of the x axis, e.g. the levels 1–5)."""
    options = {"x_labels": list(x_labels)} if x_labels else {}
    chart = _config(
        pygal.XY,
        title,
        width=560,
        height=400,
        stroke=False,
        x_title=x_title,
        y_title=y_title,
        dots_size=3,
        **options,
    )
    chart.add(points_label or title, [(float(x), float(y)) for x, y in points])
    if fitted:
        chart.add(
            line_label or "—",
            [(float(x), float(y)) for x, y in fitted],
            stroke=True,
            show_dots=False,
        )
    return _render(chart)
