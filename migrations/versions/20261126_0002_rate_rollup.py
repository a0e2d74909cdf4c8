"""rate rollup: dossier counters per agency and month signature, kept by triggers

Every dossier contributes to one row keyed by (agency_id, rm, fm, dm, pm): the local
(Asia/Ho_Chi_Minh) month index (year * 12 + month - 1) of its receipt, finish, due and pause
start, 999999 standing for "never". Those are the only instants a month-aligned period report
compares with the period's bounds, so the report can be counted from this table alone
(app/rollups). Triggers keep it exact on every write path (ingest, scan, recompute, manual SQL).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEVER = 999999
KEYS = ("agency_id", "rm", "fm", "dm", "pm")
VALUES = (
    "n", "online", "postal", "ex1", "ex3", "ex7", "ex8", "early", "on_time", "late",
    "lwa", "lwa_late", "fbr", "fswt",
)
# Columns whose change moves a dossier to another row or changes its values.
WATCHED = (
    "agency_id", "received_at", "finished_at", "returned_at", "due_at", "paused_since",
    "status", "channel", "late_without_apology",
)


def _signature(x: str, dialect: str) -> list[str]:
    """SQL expressions of KEYS + VALUES for row alias `x` (NEW/OLD or a transition table)."""
    if dialect == "postgresql":
        def month(t: str) -> str:
            local = f"timezone('Asia/Ho_Chi_Minh', {t})"
            return (f"(EXTRACT(YEAR FROM {local})::int * 12 + "
                    f"EXTRACT(MONTH FROM {local})::int - 1)")

        def day(t: str) -> str:
            return f"(timezone('Asia/Ho_Chi_Minh', {t}))::date"

        flag = f"{x}.late_without_apology"
    else:
        # Whole seconds only: SQLite rounds to the millisecond, which would carry 23:59:59.9999
        # into the next month; a month boundary is a whole second, so truncating is exact.
        def month(t: str) -> str:
            return (f"(CAST(strftime('%Y', substr({t}, 1, 19), '+7 hours') AS INTEGER) * 12 + "
                    f"CAST(strftime('%m', substr({t}, 1, 19), '+7 hours') AS INTEGER) - 1)")

        def day(t: str) -> str:
            return f"date({t}, '+7 hours')"

        flag = f"{x}.late_without_apology = 1"
    fin = f"COALESCE({x}.finished_at, {x}.returned_at)"
    counted = f"{x}.status NOT IN (1, 3, 7, 8)"
    both = f"{counted} AND {fin} IS NOT NULL AND {x}.due_at IS NOT NULL"
    late = f"{both} AND {fin} > {x}.due_at"

    def one(cond: str) -> str:
        return f"CASE WHEN {cond} THEN 1 ELSE 0 END"

    return [
        f"{x}.agency_id",
        month(f"{x}.received_at"),
        f"COALESCE({month(fin)}, {NEVER})",
        f"COALESCE({month(f'{x}.due_at')}, {NEVER})",
        f"COALESCE({month(f'{x}.paused_since')}, {NEVER})",
        "1",
        one(f"{x}.channel = 2"),
        one(f"{x}.channel = 3"),
        one(f"{x}.status = 1"),
        one(f"{x}.status = 3"),
        one(f"{x}.status = 7"),
        one(f"{x}.status = 8"),
        one(f"{both} AND {fin} <= {x}.due_at AND {day(fin)} < {day(f'{x}.due_at')}"),
        one(f"{both} AND {fin} <= {x}.due_at AND {day(fin)} >= {day(f'{x}.due_at')}"),
        one(late),
        one(f"{counted} AND {flag}"),
        one(f"{late} AND {flag}"),
        one(f"{counted} AND {fin} < {x}.received_at"),
        one(f"{x}.status IN (9, 10) AND {fin} IS NULL"),
    ]


def _upsert_head() -> str:
    cols = ", ".join(KEYS + VALUES)
    return f"INSERT INTO rate_rollup ({cols})"


def _upsert_tail() -> str:
    sets = ", ".join(f"{v} = rate_rollup.{v} + excluded.{v}" for v in VALUES)
    return f"ON CONFLICT ({', '.join(KEYS)}) DO UPDATE SET {sets}"


def _row_upsert(x: str, dialect: str, sign: str) -> str:
    sig = _signature(x, dialect)
    keys, values = sig[: len(KEYS)], sig[len(KEYS):]
    exprs = ", ".join(keys + [f"{sign}({v})" for v in values])
    where = " WHERE true" if dialect == "sqlite" else ""
    return f"{_upsert_head()} SELECT {exprs}{where} {_upsert_tail()};"


def _row_cleanup(x: str, dialect: str) -> str:
    keys = _signature(x, dialect)[: len(KEYS)]
    match = " AND ".join(f"{k} = {e}" for k, e in zip(KEYS, keys, strict=True))
    return f"DELETE FROM rate_rollup WHERE n = 0 AND {match};"


def _sqlite_up() -> None:
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in WATCHED)
    op.execute(
        f"CREATE TRIGGER trg_rate_rollup_insert AFTER INSERT ON dossier BEGIN "
        f"{_row_upsert('NEW', 'sqlite', '+')} END"
    )
    op.execute(
        f"CREATE TRIGGER trg_rate_rollup_update AFTER UPDATE OF {', '.join(WATCHED)} "
        f"ON dossier WHEN {changed} BEGIN "
        f"{_row_upsert('OLD', 'sqlite', '-')} {_row_cleanup('OLD', 'sqlite')} "
        f"{_row_upsert('NEW', 'sqlite', '+')} END"
    )
    op.execute(
        f"CREATE TRIGGER trg_rate_rollup_delete AFTER DELETE ON dossier BEGIN "
        f"{_row_upsert('OLD', 'sqlite', '-')} {_row_cleanup('OLD', 'sqlite')} END"
    )


def _pg_bulk(table: str, sign: str) -> str:
    """Statement-level: one grouped upsert per INSERT/DELETE statement, keys in order."""
    sig = _signature("t", "postgresql")
    names = KEYS + VALUES
    inner = ", ".join(f"{e} AS {n}" for e, n in zip(sig, names, strict=True))
    sums = ", ".join(f"{sign}SUM({v})" for v in VALUES)
    return (
        f"{_upsert_head()} SELECT {', '.join(KEYS)}, {sums} "
        f"FROM (SELECT {inner} FROM {table} t) s GROUP BY {', '.join(KEYS)} "
        f"ORDER BY {', '.join(KEYS)} {_upsert_tail()};"
    )


def _pg_up() -> None:
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in WATCHED)
    op.execute(
        "CREATE FUNCTION rate_rollup_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {_pg_bulk('new_rows', '')} RETURN NULL; END $$"
    )
    op.execute(
        "CREATE FUNCTION rate_rollup_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {_pg_bulk('old_rows', '-')} DELETE FROM rate_rollup WHERE n = 0; "
        "RETURN NULL; END $$"
    )
    op.execute(
        "CREATE FUNCTION rate_rollup_on_update() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {_row_upsert('OLD', 'postgresql', '-')} {_row_cleanup('OLD', 'postgresql')} "
        f"{_row_upsert('NEW', 'postgresql', '+')} RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER trg_rate_rollup_insert AFTER INSERT ON dossier "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION rate_rollup_on_insert()"
    )
    op.execute(
        "CREATE TRIGGER trg_rate_rollup_delete AFTER DELETE ON dossier "
        "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION rate_rollup_on_delete()"
    )
    # Row level with a column list and WHEN: the scan's classification updates never call it.
    op.execute(
        f"CREATE TRIGGER trg_rate_rollup_update AFTER UPDATE OF {', '.join(WATCHED)} "
        f"ON dossier FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION rate_rollup_on_update()"
    )


def upgrade() -> None:
    op.create_table(
        "rate_rollup",
        *[sa.Column(k, sa.Integer(), nullable=False) for k in KEYS],
        *[sa.Column(v, sa.BigInteger(), nullable=False, server_default="0") for v in VALUES],
        sa.PrimaryKeyConstraint(*KEYS, name=op.f("pk_rate_rollup")),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        _pg_up()
    else:
        _sqlite_up()
    # Rows already there (an upgraded database) are counted once, through the insert path.
    sig = _signature("d", dialect)
    names = KEYS + VALUES
    inner = ", ".join(f"{e} AS {n}" for e, n in zip(sig, names, strict=True))
    sums = ", ".join(f"SUM({v})" for v in VALUES)
    op.execute(
        f"INSERT INTO rate_rollup ({', '.join(names)}) SELECT {', '.join(KEYS)}, {sums} "
        f"FROM (SELECT {inner} FROM dossier d) s GROUP BY {', '.join(KEYS)}"
    )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS trg_rate_rollup_{name}"
                   + (" ON dossier" if dialect == "postgresql" else ""))
        if dialect == "postgresql":
            op.execute(f"DROP FUNCTION IF EXISTS rate_rollup_on_{name}()")
    op.drop_table("rate_rollup")
