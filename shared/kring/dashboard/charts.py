"""Charts drawn on the server as inline SVG: no script, no library, no build step.

Pure: numbers and words in, markup out (every text escaped). Each chart is an image to assistive
technology (``role="img"``, named by its ``<title>`` through ``aria-labelledby``) and is never the
only place its numbers are: the page puts a table with the same figures beside it.

- :func:`bar_chart` — horizontal bars in the given order (a funnel, when the order is its steps);
- :func:`line_chart` — one or more series over the same x labels, each line with its own colour
  *and* dash pattern and a legend, so that no series is told apart by colour alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH = 640
BAR_HEIGHT = 28
BAR_GAP = 10
LABEL_WIDTH = 120  # the least room for the bars' labels; a longer label takes more
MAX_LABEL_WIDTH = 320
CHARACTER_WIDTH = 7.5  # about, at 14 px: enough room that no label is cut off
MAX_POINTS = 31  # a line of more values is drawn without a dot on each
VALUE_WIDTH = 80
LINE_HEIGHT = 240
LEGEND_ROW = 22
MARGIN_LEFT = 56
MARGIN_RIGHT = 16
MARGIN_TOP = 16
MARGIN_BOTTOM = 32
# Colours with at least 3:1 against white (WCAG 1.4.11), and a dash pattern each.
SERIES_STYLES: tuple[tuple[str, str], ...] = (
    ("#1d70b8", ""),
    ("#d4351c", "8 4"),
    ("#00703c", "2 4"),
    ("#4c2c92", "12 4 2 4"),
    ("#6f4e00", "6 6"),
    ("#0b0c0c", "1 3"),
)
BAR_COLOUR = "#1d70b8"
AXIS_COLOUR = "#505a5f"
TEXT_COLOUR = "#0b0c0c"


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value and the value as the reader writes it (``1.234``)."""

    label: str
    value: int
    text: str


@dataclass(frozen=True)
class Series:
    """One line: its name (in the legend) and a value per x label."""

    name: str
    values: tuple[int, ...]


def _text(value: str) -> str:
    return escape(value, quote=True)


def _open(chart_id: str, title: str, width: int, height: int, description: str | None) -> list[str]:
    labelled = f"{chart_id}-title"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{_text(chart_id)}" role="img" '
        f'aria-labelledby="{_text(labelled)}" viewBox="0 0 {width} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" focusable="false">',
        f'<title id="{_text(labelled)}">{_text(title)}</title>',
    ]
    if description:
        parts.append(f"<desc>{_text(description)}</desc>")
    return parts


def label_room(bars: Sequence[Bar]) -> int:
    """The width the bars' labels take: room for the longest, at least :data:`LABEL_WIDTH`, at
    most :data:`MAX_LABEL_WIDTH`."""
    longest = max((len(b.label) for b in bars), default=0)
    return int(min(MAX_LABEL_WIDTH, max(LABEL_WIDTH, longest * CHARACTER_WIDTH + 16)))


def bar_chart(chart_id: str, title: str, bars: Sequence[Bar], *, description: str | None = None) -> Markup:
    """Horizontal bars, longest for the largest value, each with its label and its value written
    beside it; all zero (or no bars): no bar drawn, the labels and values still are."""
    height = MARGIN_TOP + len(bars) * (BAR_HEIGHT + BAR_GAP) + BAR_GAP
    top = max((b.value for b in bars), default=0)
    label_width = label_room(bars)
    room = WIDTH - label_width - VALUE_WIDTH
    parts = _open(chart_id, title, WIDTH, height, description)
    for index, bar in enumerate(bars):
        y = MARGIN_TOP + index * (BAR_HEIGHT + BAR_GAP)
        middle = y + BAR_HEIGHT / 2
        length = round(room * max(bar.value, 0) / top, 1) if top > 0 else 0.0
        parts.append(
            f'<text x="{label_width - 8}" y="{middle}" text-anchor="end" dominant-baseline="middle" '
            f'fill="{TEXT_COLOUR}" font-size="14">{_text(bar.label)}</text>'
        )
        parts.append(
            f'<rect class="bar" x="{label_width}" y="{y}" width="{length}" height="{BAR_HEIGHT}" '
            f'fill="{BAR_COLOUR}" data-value="{bar.value}"/>'
        )
        parts.append(
            f'<text x="{label_width + length + 6}" y="{middle}" dominant-baseline="middle" '
            f'fill="{TEXT_COLOUR}" font-size="14">{_text(bar.text)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - built above, every text escaped


def _y(value: int, top: int, plot_height: float) -> float:
    return round(MARGIN_TOP + plot_height - (plot_height * value / top if top > 0 else 0), 1)


def line_chart(
    chart_id: str,
    title: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    *,
    number: Callable[[int], str] = str,
    description: str | None = None,
) -> Markup:
    """Lines over ``x_labels`` (each series a value per label), the y axis from 0 to the largest
    value (``number`` writes its two ticks), the first and last x labels written, a dot on every
    value (up to :data:`MAX_POINTS` of them) and a legend below. A series whose length is not the
    labels' is a ``ValueError``."""
    for one in series:
        if len(one.values) != len(x_labels):
            raise ValueError(f"series {one.name!r} has {len(one.values)} values for {len(x_labels)} labels")
    height = LINE_HEIGHT + MARGIN_TOP + MARGIN_BOTTOM + LEGEND_ROW * len(series)
    plot_width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_height = float(LINE_HEIGHT)
    top = max((v for one in series for v in one.values), default=0)
    step = plot_width / (len(x_labels) - 1) if len(x_labels) > 1 else 0.0
    bottom = MARGIN_TOP + plot_height
    parts = _open(chart_id, title, WIDTH, height, description)
    parts.append(
        f'<path d="M{MARGIN_LEFT} {MARGIN_TOP}V{bottom}H{WIDTH - MARGIN_RIGHT}" '
        f'stroke="{AXIS_COLOUR}" fill="none"/>'
    )
    for value in sorted({0, top}):
        parts.append(
            f'<text class="tick" x="{MARGIN_LEFT - 6}" y="{_y(value, top, plot_height)}" text-anchor="end" '
            f'dominant-baseline="middle" fill="{TEXT_COLOUR}" font-size="13">{_text(number(value))}</text>'
        )
    if x_labels:
        ends = [(0, x_labels[0], "start")]
        if len(x_labels) > 1:
            ends.append((len(x_labels) - 1, x_labels[-1], "end"))
        for index, label, anchor in ends:
            parts.append(
                f'<text class="x-label" x="{round(MARGIN_LEFT + index * step, 1)}" y="{bottom + 20}" '
                f'text-anchor="{anchor}" fill="{TEXT_COLOUR}" font-size="13">{_text(label)}</text>'
            )
    for number_of_series, one in enumerate(series):
        colour, dashes = SERIES_STYLES[number_of_series % len(SERIES_STYLES)]
        points = [
            (round(MARGIN_LEFT + i * step, 1), _y(max(v, 0), top, plot_height))
            for i, v in enumerate(one.values)
        ]
        dash = f' stroke-dasharray="{dashes}"' if dashes else ""
        path = " ".join(f"{x},{y}" for x, y in points)
        parts.append(
            f'<polyline class="line" points="{path}" fill="none" stroke="{colour}" stroke-width="3"{dash}/>'
        )
        if len(points) <= MAX_POINTS:
            parts.extend(f'<circle cx="{x}" cy="{y}" r="3.5" fill="{colour}"/>' for x, y in points)
        legend_y = bottom + MARGIN_BOTTOM + LEGEND_ROW * number_of_series + LEGEND_ROW / 2
        parts.append(
            f'<line x1="{MARGIN_LEFT}" y1="{legend_y}" x2="{MARGIN_LEFT + 36}" y2="{legend_y}" '
            f'stroke="{colour}" stroke-width="3"{dash}/>'
        )
        parts.append(
            f'<text class="legend" x="{MARGIN_LEFT + 44}" y="{legend_y}" dominant-baseline="middle" '
            f'fill="{TEXT_COLOUR}" font-size="14">{_text(one.name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - built above, every text escaped
