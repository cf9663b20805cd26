"""Reading the dashboard's pages as a person's browser and a spreadsheet would: the tables (by
their id, ``table-<name>``) with each cell's text, the charts (inline SVG) with their role, name
and title, the links; and the CSV files (tests only)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

from kring.dashboard.tables import BOM


@dataclass
class Chart:
    attrs: dict[str, str | None]
    title_id: str | None = None
    title: str = ""


@dataclass
class Page:
    """What a page shows: its tables (rows of cell texts, the heading row first), charts, links
    and its headings."""

    lang: str | None = None
    tables: dict[str, list[list[str]]] = field(default_factory=dict)
    charts: list[Chart] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)

    def column(self, table: str, heading: str) -> list[str]:
        """The texts of one column of ``table`` (not its heading)."""
        rows = self.tables[table]
        index = rows[0].index(heading)
        return [row[index] for row in rows[1:]]

    def row(self, table: str, first_cell: str) -> dict[str, str]:
        """The row of ``table`` headed ``first_cell``, by column heading."""
        rows = self.tables[table]
        [found] = [row for row in rows[1:] if row[0] == first_cell]
        return dict(zip(rows[0], found, strict=True))

    def link(self, text: str) -> str:
        [href] = [h for h, words in self.links if words == text]
        return href


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._chart: Chart | None = None
        self._in_title = False
        self._href: str | None = None
        self._text: list[str] = []
        self._heading: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        given = dict(attrs)
        if tag == "html":
            self.page.lang = given.get("lang")
        elif tag == "table":
            self._table = str(given.get("id", "")).removeprefix("table-")
            self.page.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("th", "td") and self._row is not None:
            self._cell = []
        elif tag == "svg":
            self._chart = Chart(given)
        elif tag == "title" and self._chart is not None:
            self._chart.title_id = given.get("id")
            self._in_title = True
        elif tag == "a":
            self._href = given.get("href")
            self._text = []
        elif tag in ("h1", "h2", "h3"):
            self._heading = []

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._in_title and self._chart is not None:
            self._chart.title += data
        if self._href is not None:
            self._text.append(data)
        if self._heading is not None:
            self._heading.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            self.page.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        elif tag == "title" and self._in_title:
            self._in_title = False
        elif tag == "svg" and self._chart is not None:
            self.page.charts.append(self._chart)
            self._chart = None
        elif tag == "a" and self._href is not None:
            self.page.links.append((self._href, " ".join("".join(self._text).split())))
            self._href = None
        elif tag in ("h1", "h2", "h3") and self._heading is not None:
            self.page.headings.append(" ".join("".join(self._heading).split()))
            self._heading = None


def read_page(html: str) -> Page:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.page


def read_csv(text: str) -> list[list[str]]:
    """A CSV export's rows (the headings first); it starts with a byte-order mark."""
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text.removeprefix(BOM), newline="")))


def query_value(href: str, name: str) -> str | None:
    """The value of ``name`` in a link's query."""
    values = parse_qs(urlsplit(href).query).get(name)
    return values[0] if values else None
