"""``python -m infra.reindex`` (``make reindex``): put the published vacancies stored before the
open-vacancy index (gsi3, what the catch-up of links follow eligibility reads) into it — once,
after the upgrade that added it. New and changed vacancies are indexed by their own writes.

Locally (the default) it works on the running local stack's DynamoDB Local; in AWS name the
stage's table: ``make reindex TABLE=kring-prod``. It Queries the vacancy list (gsi1) and updates
only the published vacancies without an entry; a second run updates nothing.
"""

from __future__ import annotations

import argparse
import sys

from infra.recount import use_table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.reindex", description=__doc__)
    parser.add_argument("--table", help="AWS: the stage's table (kring-<stage>); default: the local stack's")
    args = parser.parse_args(argv)
    table = use_table("reindex", args.table)
    if table is None:
        return 1
    from kring.dal.vacancies import VacancyRepository

    read, indexed = VacancyRepository().index_open()
    print(f"{table}: {read} vacancies read, {indexed} published one(s) put in the open-vacancy index")
    return 0


if __name__ == "__main__":
    sys.exit(main())
