"""The dashboard's inline SVG charts (pure): well-formed, an image named by its title, values to
scale, every text escaped; and the tables' CSV and reader-way writing."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kring.dashboard import charts
from kring.dashboard.tables import BOM, Column, Days, Link, Percent, Table, csv_value, shown, to_csv
from kring.mail.i18n import Translator
from kring.models.common import Locale

SVG = "{http://www.w3.org/2000/svg}"


def _svg(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # noqa: S314 - our own markup


def _named(root: ET.Element, title: str) -> None:
    assert root.get("role") == "img"
    [found] = root.findall(f"{SVG}title")
    assert found.text == title
    assert root.get("aria-labelledby") == found.get("id")


def test_a_bar_chart_is_an_image_named_by_its_title_with_bars_to_scale() -> None:
    root = _svg(
        charts.bar_chart(
            "c1",
            "Ambassadors per phase",
            [charts.Bar("A", 10, "10"), charts.Bar("B", 5, "5"), charts.Bar("C", 0, "0")],
        )
    )
    _named(root, "Ambassadors per phase")
    widths = [float(r.get("width", "")) for r in root.iter(f"{SVG}rect")]
    assert widths[0] == charts.WIDTH - charts.LABEL_WIDTH - charts.VALUE_WIDTH  # short labels: the least room
    assert widths[1] == widths[0] / 2
    assert widths[2] == 0
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts == ["A", "10", "B", "5", "C", "0"]


def test_all_zero_or_no_bars_draw_no_bar_and_divide_by_nothing() -> None:
    root = _svg(charts.bar_chart("c", "t", [charts.Bar("A", 0, "0")]))
    assert [r.get("width") for r in root.iter(f"{SVG}rect")] == ["0.0"]
    empty = _svg(charts.bar_chart("c", "t", []))
    assert list(empty.iter(f"{SVG}rect")) == []


def test_every_text_is_escaped() -> None:
    hostile = '<script>alert(1)</script>" onload="x'
    markup = charts.bar_chart("c", hostile, [charts.Bar(hostile, 1, hostile)], description=hostile)
    assert "<script>" not in markup
    root = _svg(markup)
    assert root.find(f"{SVG}title") is not None
    assert root.find(f"{SVG}title").text == hostile  # type: ignore[union-attr]
    line = charts.line_chart("c", hostile, [hostile, "b"], [charts.Series(hostile, (1, 2))])
    assert "<script>" not in line
    _named(_svg(line), hostile)


def test_a_line_chart_has_a_point_per_value_a_legend_per_series_and_the_largest_value_on_top() -> None:
    root = _svg(
        charts.line_chart(
            "trend",
            "Clicks per week",
            ["w1", "w2", "w3"],
            [charts.Series("Clicks", (0, 5, 10)), charts.Series("Hires", (0, 0, 1))],
            number=lambda n: f"#{n}",
        )
    )
    _named(root, "Clicks per week")
    lines = root.findall(f"{SVG}polyline")
    assert len(lines) == 2
    clicks = [tuple(float(v) for v in p.split(",")) for p in lines[0].get("points", "").split()]
    assert [x for x, _ in clicks] == [
        charts.MARGIN_LEFT,
        charts.MARGIN_LEFT + 284.0,
        charts.WIDTH - charts.MARGIN_RIGHT,
    ]
    assert clicks[2][1] == charts.MARGIN_TOP  # the largest value at the top
    assert clicks[0][1] == charts.MARGIN_TOP + charts.LINE_HEIGHT  # zero on the axis
    assert len(root.findall(f"{SVG}circle")) == 6
    assert [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "legend"] == ["Clicks", "Hires"]
    assert [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "tick"] == ["#0", "#10"]
    assert [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "x-label"] == ["w1", "w3"]
    # not told apart by colour alone: the second line is dashed
    assert lines[0].get("stroke-dasharray") is None
    assert lines[1].get("stroke-dasharray")


def test_a_series_must_have_a_value_per_label() -> None:
    with pytest.raises(ValueError, match="2 values for 3 labels"):
        charts.line_chart("c", "t", ["a", "b", "c"], [charts.Series("s", (1, 2))])


@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=30))
def test_any_values_make_a_well_formed_chart_within_its_box(values: list[int]) -> None:
    labels = [f"d{i}" for i in range(len(values))]
    line = _svg(charts.line_chart("c", "t", labels, [charts.Series("s", tuple(values))]))
    [polyline] = line.findall(f"{SVG}polyline")
    for point in polyline.get("points", "").split():
        x, y = (float(v) for v in point.split(","))
        assert charts.MARGIN_LEFT <= x <= charts.WIDTH - charts.MARGIN_RIGHT
        assert charts.MARGIN_TOP <= y <= charts.MARGIN_TOP + charts.LINE_HEIGHT
    bars = _svg(
        charts.bar_chart(
            "c", "t", [charts.Bar(label, v, str(v)) for label, v in zip(labels, values, strict=True)]
        )
    )
    room = charts.WIDTH - charts.LABEL_WIDTH - charts.VALUE_WIDTH
    assert all(0 <= float(r.get("width", "")) <= room for r in bars.iter(f"{SVG}rect"))


def test_a_long_label_gets_room_and_the_bars_start_after_it() -> None:
    label = "direct (de link zonder netwerk)"
    root = _svg(charts.bar_chart("c", "t", [charts.Bar(label, 1, "1"), charts.Bar("X", 2, "2")]))
    starts = {float(r.get("x", "")) for r in root.iter(f"{SVG}rect")}
    assert (
        starts
        == {charts.label_room([charts.Bar(label, 1, "1")])}
        == {int(len(label) * charts.CHARACTER_WIDTH + 16)}
    )
    [label_text] = [t for t in root.iter(f"{SVG}text") if t.text == label]
    assert float(label_text.get("x", "")) - len(label) * charts.CHARACTER_WIDTH >= 0  # not cut off
    huge = _svg(charts.bar_chart("c", "t", [charts.Bar("x" * 500, 1, "1")]))
    assert {float(r.get("x", "")) for r in huge.iter(f"{SVG}rect")} == {charts.MAX_LABEL_WIDTH}


def test_a_long_line_has_no_dot_on_every_value() -> None:
    labels = [str(n) for n in range(charts.MAX_POINTS + 1)]
    root = _svg(charts.line_chart("c", "t", labels, [charts.Series("s", tuple(range(len(labels))))]))
    assert root.findall(f"{SVG}circle") == []
    assert len(root.findall(f"{SVG}polyline")[0].get("points", "").split()) == len(labels)


# ------------------------------------------------------------------------------------ tables
@pytest.mark.parametrize(
    ("locale", "written"),
    [
        ("en", ("1,234", "66.7%", "2.5", "4 December 2026", "n/a")),
        ("nl", ("1.234", "66,7\xa0%", "2,5", "4 december 2026", "n.v.t.")),
    ],
)
def test_a_cell_is_written_the_reader_s_way(locale: Locale, written: tuple[str, ...]) -> None:
    number, percent, days, day, none = written
    t = Translator(locale)
    assert shown(1234, t) == number
    assert shown(Percent(2 / 3), t) == percent
    assert shown(Days(2.5), t) == days
    assert shown(date(2026, 12, 4), t) == day
    assert shown(None, t) == shown(Percent(None), t) == shown(Days(None), t) == none
    assert shown(Link("Engineer", "/x"), t) == "Engineer"


def test_a_csv_is_the_machine_s_way_with_its_headings_and_no_formula() -> None:
    table = Table(
        "t",
        "caption",
        (Column("Name"), Column("Count", True), Column("Share", True), Column("Day")),
        (
            ("=HYPERLINK(1)", 1234, Percent(2 / 3), date(2026, 12, 4)),
            (Link("-2 + 3, quoted", "/x"), 0, Percent(None), None),
        ),
    )
    text = to_csv(table)
    assert text.startswith(BOM)
    assert text.removeprefix(BOM).split("\r\n") == [
        "Name,Count,Share,Day",
        "'=HYPERLINK(1),1234,0.6667,2026-12-04",
        '"\'-2 + 3, quoted",0,,',
        "",
    ]
    assert csv_value(Days(12.345678)) == "12.3457"
    with pytest.raises(TypeError):
        csv_value(True)
