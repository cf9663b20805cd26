"""The dashboard's tables: one model a page shows and its CSV export writes, so that every table
on a page has its CSV twin with the same rows.

A cell is a whole number, a day, a text, a :class:`Link` (a text that goes somewhere), a
:class:`Percent`, :class:`Days` or :class:`Money` (each may be unknown: ``None``), or nothing. On a page it is
written the reader's way (:class:`~kring.mail.i18n.Translator`: ``1.234``, ``4 december 2026``,
``50%``); in a CSV the machine's way (``1234``, ``2026-12-04``, ``0.5``), with the column headings
in the reader's language — a spreadsheet reads the numbers whatever its language.

The CSV starts with a byte-order mark (a spreadsheet then reads it as UTF-8: names keep their
accents), and a text cell that a spreadsheet would take for a formula (``=``, ``+``, ``-``, ``@``,
a tab or a carriage return first) gets a ``'`` before it: department names and titles come from the
ATS and ambassadors' names from the roster, and none of them may run as a formula.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from kring.mail.i18n import Translator

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Percent:
    """A share from 0 to 1 (a conversion), or unknown."""

    value: float | None


@dataclass(frozen=True)
class Days:
    """A number of days (a median time in a phase), or unknown."""

    value: float | None


@dataclass(frozen=True)
class Money:
    """An amount in a currency (a reward, a cost per hire), or unknown: on a page the reader's way
    (``€ 500,00``), in a CSV the decimal alone (``500.00``; the currency has a column of its own)."""

    amount: Decimal | None
    currency: str


@dataclass(frozen=True)
class Link:
    text: str
    href: str


Cell = str | int | date | Percent | Days | Link | Money | None


@dataclass(frozen=True)
class Column:
    label: str
    numeric: bool = False


@dataclass(frozen=True)
class Table:
    """A table: its name (the CSV's, ``trend``), its caption, its columns and rows. The first cell
    of a row heads it (``<th scope="row">``)."""

    name: str
    caption: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class ShownCell:
    """A cell as a page writes it."""

    text: str
    href: str | None
    numeric: bool


def shown(cell: Cell, t: Translator) -> str:
    """A cell the reader's way (nothing, or an unknown share or time: ``n/a``)."""
    if isinstance(cell, bool):  # never a figure
        raise TypeError("a table cell is not a bool")
    if isinstance(cell, Link):
        text = cell.text
    elif isinstance(cell, Percent) and cell.value is not None:
        text = t("dashboard.table.percent", value=t.number(Decimal(str(round(cell.value * 100, 1)))))
    elif isinstance(cell, Days) and cell.value is not None:
        text = t.number(Decimal(str(round(cell.value, 1))))
    elif isinstance(cell, Money) and cell.amount is not None:
        text = t.money(cell.amount, cell.currency)
    elif isinstance(cell, int):
        text = t.number(cell)
    elif isinstance(cell, date):
        text = t.date(cell)
    elif isinstance(cell, str):
        text = cell
    else:
        text = t("dashboard.table.none")
    return text


def shown_rows(table: Table, t: Translator) -> list[list[ShownCell]]:
    """The rows as a page writes them."""
    return [
        [
            ShownCell(shown(cell, t), cell.href if isinstance(cell, Link) else None, column.numeric)
            for cell, column in zip(row, table.columns, strict=True)
        ]
        for row in table.rows
    ]


def _safe_text(text: str) -> str:
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _number_value(cell: Money | Percent | Days) -> str:
    if isinstance(cell, Money):
        return "" if cell.amount is None else str(cell.amount)
    return "" if cell.value is None else format(round(cell.value, 4), "g")


def csv_value(cell: Cell) -> str:
    """A cell the machine's way."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        raise TypeError("a table cell is not a bool")
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, Money | Percent | Days):
        return _number_value(cell)
    if isinstance(cell, Link):
        return _safe_text(cell.text)
    return _safe_text(cell)


def to_csv(table: Table) -> str:
    """The table as CSV (RFC 4180: commas, CRLF, quotes where needed), its headings first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_safe_text(column.label) for column in table.columns])
    for row in table.rows:
        writer.writerow([csv_value(cell) for cell in row])
    return BOM + out.getvalue()


def find(tables: tuple[Table, ...], name: str) -> Table | None:
    """The table called ``name`` among ``tables`` (None: there is none)."""
    return next((table for table in tables if table.name == name), None)
