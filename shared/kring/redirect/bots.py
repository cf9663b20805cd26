"""isbot's bot pattern in Python, fast for any user agent the redirect looks at.

isbot (the npm package, vendored in :mod:`kring.redirect.isbot_patterns` by ``make isbot``) is a
list of about 200 JavaScript regular expressions; a user agent any of them matches is a bot.
:func:`python_pattern` writes one in Python's ``re`` syntax with the same matches (tests check
every verdict against isbot itself, run by Node, on real user agents).

Joined into one alternation, as isbot does, Python's ``re`` tries every alternative at every
position of the user agent — about 1.3 µs a character, 0.7 ms for 512 characters. So
:class:`BotPattern` splits the list:

- patterns anchored at the start (``^…``) are one alternation, tried at position 0 only;
- a pattern that is a plain word (``crawl``, ``spider``) is a substring test on the user agent,
  lower-cased (ASCII only, as JavaScript's case-insensitive matching);
- every other pattern runs only when the longest literal it cannot match without
  (:func:`shape`: ``google`` in ``(?<! channel/|google/)google(?!…)``) is there;
- the few with no literal at all are one alternation, searched as isbot would.

The verdict is the same as the whole alternation's, and so is the position of the leftmost match
(isbot's ``isbotMatch``), from which the reason is the word around it: ``Googlebot``, ``curl``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kring.redirect.isbot_patterns import PATTERNS

FLAGS = re.IGNORECASE | re.ASCII  # JavaScript's /i without /u: ASCII case folding and \w, \b, \d

_QUANTIFIER = re.compile(r"\{(\d*)(?:,(\d*))?\}")
_CLASS_ESCAPES = frozenset("dDwWsS")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# A "word" of a user agent, for the reason: the product token around the match.
_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
MAX_REASON = 60


def _class_end(js: str, start: int) -> int:
    """Index of the ``]`` closing the character class opened at ``start``."""
    i = start + 1
    if js[i : i + 1] == "^":
        i += 1
    if js[i : i + 1] == "]":  # a leading ] is a literal one
        i += 1
    while js[i] != "]":
        i += 2 if js[i] == "\\" else 1
    return i


def _group_end(js: str, start: int) -> int:
    """Index of the ``)`` closing the group opened at ``start``."""
    depth, i = 0, start
    while True:
        char = js[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            i = _class_end(js, i)
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1


def _top_level_alternatives(js: str) -> list[str]:
    parts, start, i = [], 0, 0
    while i < len(js):
        char = js[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            i = _class_end(js, i)
        elif char == "(":
            i = _group_end(js, i)
        elif char == "|":
            parts.append(js[start:i])
            start = i + 1
        i += 1
    parts.append(js[start:])
    return parts


def python_pattern(js: str) -> str:
    """A JavaScript regular expression of isbot's in Python's syntax, the same matches with
    :data:`FLAGS`: a lookbehind of alternatives of different lengths becomes one lookbehind each,
    ``-`` after a class escape inside ``[…]`` is escaped (JavaScript reads it as a literal ``-``),
    ``$`` is the end of the text only (``\\Z``)."""
    out: list[str] = []
    i = 0
    while i < len(js):
        char = js[i]
        if char == "\\":
            out.append(js[i : i + 2])
            i += 2
        elif char == "[":
            end = _class_end(js, i)
            body, j = [], i + 1
            while j < end:
                if js[j] == "\\":
                    body.append(js[j : j + 2])
                    if js[j + 1] in _CLASS_ESCAPES and js[j + 2 : j + 3] == "-" and j + 3 < end:
                        body.append("\\-")
                        j += 1
                    j += 2
                else:
                    body.append(js[j])
                    j += 1
            out.append("[" + "".join(body) + "]")
            i = end + 1
        elif js.startswith(("(?<!", "(?<="), i):
            end = _group_end(js, i)
            alternatives = [python_pattern(a) for a in _top_level_alternatives(js[i + 4 : end])]
            if js[i + 3] == "!":  # not after any of them
                out.append("".join(f"(?<!{a})" for a in alternatives))
            else:
                out.append("(?:" + "|".join(f"(?<={a})" for a in alternatives) + ")")
            i = end + 1
        elif char == "$":
            out.append(r"\Z")
            i += 1
        else:
            out.append(char)
            i += 1
    return "".join(out)


@dataclass(frozen=True)
class Shape:
    """What a pattern needs of a user agent: the longest literal (lower case) every match
    contains (``""`` if none), whether the pattern is nothing but that literal, whether it is
    anchored at the start, and whether it has alternatives at its top level."""

    literal: str
    plain: bool
    anchored: bool
    alternatives: bool


def _skip_escape(js: str, i: int) -> tuple[str | None, int]:
    """The escape at ``i``: its literal character (a backslash and a dot is a dot), or None for
    a class, an assertion or a character code (``d``, ``b``, ``u00e9`` after the backslash); and
    where the next atom starts."""
    escaped = js[i + 1 : i + 2]
    if escaped and not escaped.isalnum() and escaped.isascii():
        return escaped, i + 2
    return None, i + 2 + {"u": 4, "x": 2, "c": 1}.get(escaped, 0)


def _atoms(js: str) -> list[tuple[str, str]]:
    """The top level of a pattern as (kind, text): ``literal`` characters (ASCII), ``repeat``
    (text ``0``: may be absent, ``1``: at least once), ``alternative`` (a top-level ``|``), and
    ``other`` for anything else (classes, groups, assertions, ``.``, escapes that are no text)."""
    atoms: list[tuple[str, str]] = []
    i = 0
    while i < len(js):
        char = js[i]
        quantifier = _QUANTIFIER.match(js, i) if char == "{" else None
        if quantifier or char in "?*+":
            least = int(quantifier.group(1) or 0) if quantifier else int(char == "+")
            i = quantifier.end() if quantifier else i + 1
            i += js[i : i + 1] == "?"  # lazy
            atoms.append(("repeat", str(min(least, 1))))
        elif char == "\\":
            literal, i = _skip_escape(js, i)
            atoms.append(("literal", literal) if literal else ("other", ""))
        elif char == "|":
            atoms.append(("alternative", "|"))
            i += 1
        elif char in "[(":
            i = (_class_end(js, i) if char == "[" else _group_end(js, i)) + 1
            atoms.append(("other", ""))
        else:
            # ^ $ . are no text; nor is a character JavaScript folds differently (not ASCII)
            atoms.append(("literal", char) if char.isascii() and char not in "^$." else ("other", ""))
            i += 1
    return atoms


def shape(js: str) -> Shape:
    atoms = _atoms(js)
    if any(kind == "alternative" for kind, _ in atoms):
        return Shape("", plain=False, anchored=False, alternatives=True)
    runs, run = [], ""
    for n, (kind, text) in enumerate(atoms):
        if kind == "literal":
            run += text.lower()
            continue
        if kind == "repeat" and text == "0" and n and atoms[n - 1][0] == "literal":
            run = run[:-1]  # the character before may be absent
        runs.append(run)
        run = ""
    runs.append(run)
    literal = max(runs, key=len)
    plain = bool(literal) and all(kind == "literal" for kind, _ in atoms)
    return Shape(literal, plain=plain, anchored=js.startswith("^"), alternatives=False)


def alternation(patterns: list[str] | tuple[str, ...]) -> re.Pattern[str]:
    """One regular expression matching where any of ``patterns`` (isbot's syntax) matches."""
    return re.compile("|".join(f"(?:{python_pattern(p)})" for p in patterns), FLAGS)


def _lower(agent: str) -> str:
    """ASCII letters lower-cased, nothing else (one character for one: positions stay)."""
    return agent.lower() if agent.isascii() else agent.translate(_ASCII_LOWER)


class BotPattern:
    """isbot's verdict and the position of its leftmost match, without one big alternation."""

    def __init__(self, patterns: tuple[str, ...] = PATTERNS) -> None:
        anchored: list[str] = []
        rest: list[str] = []
        plain: list[str] = []
        guarded: dict[str, list[str]] = {}
        for pattern in patterns:
            form = shape(pattern)
            if form.anchored and not form.alternatives:
                anchored.append(pattern)
            elif form.plain:
                plain.append(form.literal)
            elif form.literal:
                guarded.setdefault(form.literal, []).append(pattern)
            else:
                rest.append(pattern)
        self._anchored = alternation(anchored) if anchored else None
        self._plain = tuple(dict.fromkeys(plain))
        self._guarded = tuple((literal, alternation(group)) for literal, group in guarded.items())
        self._rest = alternation(rest) if rest else None

    def leftmost(self, agent: str) -> int | None:
        """Where the leftmost match of isbot's pattern in ``agent`` starts; None for no bot."""
        if self._anchored is not None and self._anchored.match(agent):
            return 0
        lowered = _lower(agent)
        nowhere = best = len(agent) + 1  # a match may start at the very end, if it is empty
        for literal in self._plain:
            at = lowered.find(literal, 0, best + len(literal))
            if 0 <= at < best:
                best = at
        for literal, pattern in self._guarded:
            if literal in lowered:
                found = pattern.search(agent)
                if found is not None and found.start() < best:
                    best = found.start()
        if self._rest is not None:
            found = self._rest.search(agent)
            if found is not None and found.start() < best:
                best = found.start()
        return best if best < nowhere else None

    def reason(self, agent: str) -> str | None:
        """The word of ``agent`` around isbot's leftmost match (``Googlebot``, ``curl``), or the
        characters matched there if they are no word; None for no bot."""
        at = self.leftmost(agent)
        if at is None:
            return None
        start = end = at
        while start > 0 and agent[start - 1] in _WORD:
            start -= 1
        while end < len(agent) and agent[end] in _WORD:
            end += 1
        word = agent[start:end] or agent[at : at + 1]
        return word[:MAX_REASON]
