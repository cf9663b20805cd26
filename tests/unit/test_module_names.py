"""Names say which flow: two modules (or packages) in ``shared/kring`` may share a name only when
they are the same thing seen from different layers (its route group, its logic, its stored item),
and then only on the list below, with the reason."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

KRING = Path(__file__).resolve().parents[2] / "shared" / "kring"

SAME_THING: dict[str, str] = {
    "ambassadors": "the ambassador: its routes (api), its logic (roster), its stored item (dal)",
    "vacancies": "the vacancy: its routes (api), its logic (intake), its stored item (dal)",
    "rewards": "the reward ledger: its routes (api), its logic (attribution), its stored entries (dal)",
    "stats": "the counters: their routes (api), their stored items (dal)",
    "team": "the talent team: its routes (api), its recipients and settings (models)",
    "suppressions": "the suppression list: its routes (api), its stored items (dal)",
    "clicks": "the click: its flow (clicks/), its stored record (dal)",
    "recorder": "a flow's recorder of its events, one per flow (clicks, attribution, programme)",
    "dashboard": "the talent team's dashboard: its pages (dashboard/), its sign-in and views (web/)",
    "programme": "the advocacy programme: its flow (programme/), its rules (models), its stored items (dal)",
    "points": "points: their flow (points/), their figures (models), their stored items (dal)",
    "leaderboards": "the leaderboards: their routes (api), their logic (points)",
    "access": "the talent team's access: its logic (access/), its users, tokens and audit entries (models)",
    "invitations": "invitation campaigns: their routes (api), stored items (dal), mail kind (mail)",
}


def names_in(root: Path) -> dict[str, list[str]]:
    """Every module and package name under ``root``, with where each one is."""
    found: dict[str, list[str]] = defaultdict(list)
    for path in root.rglob("*.py"):
        if path.name != "__init__.py":
            found[path.stem].append(str(path.relative_to(root)))
    for package in root.rglob("__init__.py"):
        if package.parent != root:
            found[package.parent.name].append(f"{package.parent.relative_to(root)}/")
    return found


def test_no_two_modules_share_a_name_unless_they_are_the_same_thing() -> None:
    clashes = {name: sorted(paths) for name, paths in names_in(KRING).items() if len(paths) > 1}
    assert {name: paths for name, paths in clashes.items() if name not in SAME_THING} == {}


def test_the_list_names_only_clashes_that_exist() -> None:
    clashes = {name for name, paths in names_in(KRING).items() if len(paths) > 1}
    assert set(SAME_THING) <= clashes


def test_a_new_clash_is_found(tmp_path: Path) -> None:
    for path in ("clicks/pages.py", "dal/pages.py", "dal/__init__.py", "clicks/__init__.py", "queues.py"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("")
    (tmp_path / "integrations" / "queues").mkdir(parents=True)
    (tmp_path / "integrations" / "queues" / "__init__.py").write_text("")
    clashes = {name for name, paths in names_in(tmp_path).items() if len(paths) > 1}
    assert clashes == {"pages", "queues"}
