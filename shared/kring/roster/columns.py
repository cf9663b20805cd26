"""The columns of an ambassador file and what each cell means.

A column the file does not carry leaves the stored value alone (a routine HR export of
``id,name,email`` changes names and addresses, nothing else). In a column it does carry, an
empty cell clears the value only where "nothing" is a value — no department, no location, no
interests (every vacancy), no weekly cap — and keeps the stored value everywhere else (a name, an
e-mail address, a language, a phase and the yes/no fields always have one). A new ambassador
gets the defaults of what the file leaves out, and needs a name and an e-mail address.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from kring.models.ambassador import CLEARABLE_FIELDS

# column → what it accepts (the README's table says the same)
COLUMNS: dict[str, str] = {
    "id": "the employee id (required): letters, digits and . _ : @ -, at most 64",
    "name": "full name, at most 200 characters",
    "email": "e-mail address",
    "locale": "nl or en",
    "department": "at most 100 characters; empty = none",
    "location": "at most 100 characters; empty = none",
    "interests": "departments, locations or tags separated by , ; or |; empty = every vacancy",
    "phase": "awareness, interest, consideration, decision or evangelize",
    "opted_in": "yes/no: WAAR/ONWAAR, ja/nee, true/false, yes/no, 1/0",
    "share_cap_per_week": "a whole number 0-1000; empty = no cap",
    "dormant": "yes/no, as opted_in",
}
BOOLEAN_COLUMNS = frozenset({"opted_in", "dormant"})
LOWERCASED_COLUMNS = frozenset({"locale", "phase"})
# Excel writes its own words for TRUE and FALSE in the workbook's language.
BOOLEAN_WORDS: dict[str, bool] = {
    **dict.fromkeys(("waar", "ja", "j", "true", "yes", "y", "1"), True),
    **dict.fromkeys(("onwaar", "nee", "n", "false", "no", "0"), False),
}
INTEREST_SEPARATORS = re.compile(r"[,;|]")
CLEARED_TO: dict[str, Any] = {
    "department": None,
    "location": None,
    "interests": [],
    "share_cap_per_week": None,
}
assert set(CLEARED_TO) == CLEARABLE_FIELDS  # one list of what "empty" may clear


def header_problem(columns: Sequence[str]) -> str | None:
    """Why a header row cannot be read, or None. Empty names are empty trailing columns."""
    named = [c for c in columns if c]
    unknown = [c for c in named if c not in COLUMNS]
    duplicated = sorted({c for c in named if named.count(c) > 1})
    if unknown or "id" not in named:
        return (
            "the first line must be a header row naming the columns (id required; allowed: "
            f"{', '.join(COLUMNS)})"
            + (f"; unknown: {', '.join(unknown)}" if unknown else "")
            + ("; missing: id" if "id" not in named else "")
        )
    if duplicated:
        return f"the header names a column twice: {', '.join(duplicated)}"
    if "" in columns:
        return "the header has an empty column name between named columns"
    return None


def changes_of(cells: Mapping[str, str]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """What a line asks to change (field → value; a cleared field → its empty value) and the
    errors of cells that can never be valid. Fields absent from the result are kept."""
    changes: dict[str, Any] = {}
    errors: list[dict[str, str]] = []
    for column, raw in cells.items():
        text = raw.strip()
        if not text:
            if column in CLEARED_TO:
                changes[column] = CLEARED_TO[column]
            continue
        if column in BOOLEAN_COLUMNS:
            word = BOOLEAN_WORDS.get(text.lower())
            if word is None:
                errors.append({"field": column, "message": f"must be yes or no ({COLUMNS['opted_in']})"})
            else:
                changes[column] = word
        elif column in LOWERCASED_COLUMNS:
            changes[column] = text.lower()
        elif column == "interests":
            changes[column] = INTEREST_SEPARATORS.split(text)
        else:
            changes[column] = text
    return changes, errors
