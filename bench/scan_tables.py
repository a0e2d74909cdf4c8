"""Every table after three scans of the bench's scan world, dumped for comparing two trees.

    PYTHONPATH=<tree> python <this file> --scale 20000 [--auto-half] [--postgres URL] OUT

Builds the scan world (bench/b_scan.py: N open dossiers, never scanned), optionally makes half
of its agencies approve drafts automatically, scans it as of NOW, NOW again and NOW + 30 h
(committing each), and writes every table's rows in primary-key order, one line each, with
the database's own text of every value (JSON columns as stored). Run it for main and for a
branch and compare the files: a change to the scan that must not change stored results leaves
them equal. `--json-equal` also writes each outbox payload parsed and re-serialised in its
stored key order, for a change that keeps the JSON but not its spacing.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

from sqlalchemy import JSON, create_engine, inspect, text, update

from app.db.session import make_engine, make_session_factory
from app.models import Agency
from app.scan.service import run_scan
from bench.b_scan import load_open_dossiers
from bench.data import NOW, write_catalogue
from bench.db import PostgresDatabases, sqlite_url, tthc

INSTANTS = (NOW, NOW, NOW + timedelta(hours=30))
#: stamped at the catalogue import's wall time, before any scan: left out
IMPORT_STAMPS = {("procedure", "created_at"), ("procedure", "updated_at"),
                 ("procedure_process", "created_at"), ("procedure_process", "updated_at")}


def _world(work: Path, scale: int, databases: PostgresDatabases | None) -> str:
    catalogue = work / "catalogue.json"
    write_catalogue(catalogue)
    url = databases.create() if databases is not None else sqlite_url(work, "world")
    tthc(url, ["procedures", "import", str(catalogue)])
    load_open_dossiers(url, scale)
    return url


def _dump(url: str, out: Path, json_equal: bool) -> None:
    engine = create_engine(url)
    names = sorted(t for t in inspect(engine).get_table_names() if t != "alembic_version")
    with engine.connect() as conn, out.open("w") as sink:
        for table in names:
            columns = [c for c in inspect(engine).get_columns(table)
                       if (table, c["name"]) not in IMPORT_STAMPS]
            keys = inspect(engine).get_pk_constraint(table)["constrained_columns"]
            order = keys or [c["name"] for c in columns]
            shown = [f'CAST("{c["name"]}" AS TEXT)' for c in columns]
            rows = conn.execute(text(
                f'SELECT {", ".join(shown)} FROM "{table}" ORDER BY '
                + ", ".join(f'"{k}"' for k in order)))
            jsons = [n for n, c in enumerate(columns) if isinstance(c["type"], JSON)]
            for row in rows:
                values = list(row)
                if json_equal:
                    for n in jsons:
                        if values[n] is not None:
                            values[n] = json.dumps(json.loads(values[n]))
                sink.write(f"{table}\t{values!r}\n")
    engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--scale", type=int, default=20_000)
    parser.add_argument("--auto-half", action="store_true")
    parser.add_argument("--postgres", help="admin URL: the world is a database beside it")
    parser.add_argument("--json-equal", action="store_true")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="tthc-scan-tables-"))
    databases = (PostgresDatabases(args.postgres, prefix="i18_scan5_")
                 if args.postgres else None)
    try:
        url = _world(work, args.scale, databases)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        if args.auto_half:
            with factory() as session:
                session.execute(update(Agency).where(Agency.id % 2 == 0)
                                .values(auto_approve_notices=True))
                session.commit()
        for instant in INSTANTS:
            with factory() as session:
                counts = run_scan(session, instant)
                session.commit()
            print(instant.isoformat(), counts.as_dict())
        engine.dispose()
        _dump(url, args.out, args.json_equal)
    finally:
        if databases is not None:
            databases.drop_all()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
