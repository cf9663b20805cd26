"""The Rewards page's forms and figures, without a table: which rewards a batch form names, what a
redirect's query says was done, and a money cell on a page and in a CSV."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from kring.dashboard import rewards_ledger
from kring.dashboard.rewards_ledger import Done, chosen, counted, done_of, pay_field, shown_value
from kring.dashboard.tables import Column, Money, Table, shown_rows, to_csv
from kring.mail.i18n import Translator


def test_a_batch_pays_the_ticked_boxes_or_with_all_every_eligible_entry_shown() -> None:
    form = {
        "csrf": "x",
        pay_field("E1", "r1"): "1",
        pay_field("E2", "r4"): "1",
        "shown": shown_value([("E1", "r1"), None, ("E2", "r4"), ("E3", "r9")]),
    }
    assert chosen(form) == [("E1", "r1"), ("E2", "r4")]
    assert chosen({**form, "all": "1"}) == [("E1", "r1"), ("E2", "r4"), ("E3", "r9")]
    assert chosen({"csrf": "x"}) == []
    assert chosen({"all": "1", "shown": "E1|r1 E1|r1"}) == [("E1", "r1")]  # each once


def test_the_redirect_says_what_was_done_and_nothing_else_counts() -> None:
    assert counted(["paid", "already", "paid", "refused"]) == {"paid": "2", "already": "1", "refused": "1"}
    assert counted([]) == {}
    assert done_of({"paid": "2", "already": "1"}) == Done(2, 1, 0)
    assert done_of({}) is None
    assert done_of({"paid": "-1", "refused": "٣", "already": "99999"}) is None  # not small whole numbers


@given(st.dictionaries(st.sampled_from(["paid", "already", "refused", "x"]), st.text(max_size=6)))
def test_any_query_reads_as_counts_or_none(query: dict[str, str]) -> None:
    done = done_of(query)
    assert done is None or min(done.paid, done.already, done.refused) >= 0


def test_a_batch_is_at_most_one_page() -> None:
    assert rewards_ledger.MAX_BATCH == rewards_ledger.PAGE_SIZE
    # a page's form: csrf, status, shown, all, and one box per entry — within a form's 40 fields
    assert rewards_ledger.PAGE_SIZE + 4 <= 40


def test_money_is_the_reader_s_on_a_page_and_a_decimal_in_a_csv() -> None:
    table = Table("t", "T", (Column("Amount", True),), ((Money(Decimal("1250.50"), "EUR"),),))
    assert shown_rows(table, Translator("en"))[0][0].text == "€1,250.50"
    assert shown_rows(table, Translator("nl"))[0][0].text == "€\xa01.250,50"
    assert to_csv(table).splitlines()[1] == "1250.50"
