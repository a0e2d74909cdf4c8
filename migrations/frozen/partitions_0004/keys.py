"""The key table of a partitioned `dossier`, and the triggers that keep it and the rollup exact.

`dossier_key(id, code)` is unpartitioned and carries what a partitioned table cannot: the
uniqueness of `code` across months, and a target for the children's foreign keys. Triggers on
`dossier` keep it in step:

- INSERT (statement level): the new rows' keys are inserted, so a duplicate code fails with a
  unique violation in the same statement, as it did on the plain table (one in the same month
  meets the partition's own unique index on `code` first: the same violation, another name);
- DELETE (statement level): their keys are deleted, and the children's ON DELETE CASCADE (or NO
  ACTION, for notices) acts as it did;
- UPDATE OF code (row level, BEFORE): the key follows; `id` may not change;
- TRUNCATE: the keys go too.

A correction of `received_at` into another month moves the row to another partition. PostgreSQL
runs that UPDATE as a DELETE plus an INSERT: statement-level INSERT/DELETE triggers do not fire
(so the key stays, and the children with it), but neither do row-level AFTER UPDATE triggers, such
as the rate rollup's of migration 0002. The AFTER DELETE row trigger below notices the move (the
row is still there, in its new partition) and replays the update on a temporary one-row copy of
the table that carries the same AFTER UPDATE triggers, copied from the catalog when first needed:
the rollup then sees exactly the update it would have seen on a plain table, through its own code.
"""

from __future__ import annotations

from .specs import PartitionedTable

# tgtype bits (pg_trigger.h): ROW 1, BEFORE 2, UPDATE 16, INSTEAD 64. AFTER ROW UPDATE: 17 of 83.
_AFTER_ROW_UPDATE_MASK = 1 | 2 | 16 | 64
_AFTER_ROW_UPDATE = 1 | 16


def _parts(spec: PartitionedTable) -> tuple[str, list[str]]:
    (key,) = spec.plain.primary_key  # a single-column id: what the children point at
    unique = [c for columns in spec.plain.unique.values() for c in columns]
    return key, unique


def trigger_names(spec: PartitionedTable) -> set[str]:
    """The triggers this module puts on the partitioned table (not carried back by a revert)."""
    t = spec.name
    return {f"trg_{t}_key_{op}" for op in ("insert", "delete", "update", "truncate")} | {
        f"trg_{t}_moved"
    }


def function_names(spec: PartitionedTable) -> list[str]:
    t = spec.name
    return [f"{t}_key_on_{op}" for op in ("insert", "delete", "update", "truncate")] + [
        f"{t}_replay_move"
    ]


def key_table_statements(spec: PartitionedTable, types: dict[str, str]) -> list[str]:
    """Create and fill the key table from the (still plain) table; `types` by column. The keys
    are built after the copy, as the conversion does for the table itself."""
    key, unique = _parts(spec)
    k = spec.key_table_name
    columns = [key, *unique]
    definitions = ", ".join(f"{c} {types[c]} NOT NULL" for c in columns)
    listed = ", ".join(columns)
    return [
        f"CREATE TABLE {k} ({definitions})",
        f"INSERT INTO {k} ({listed}) SELECT {listed} FROM {spec.name}",  # noqa: S608
        f"ALTER TABLE {k} ADD CONSTRAINT pk_{k} PRIMARY KEY ({key})",
        *(f"ALTER TABLE {k} ADD CONSTRAINT uq_{k}_{c} UNIQUE ({c})" for c in unique),
    ]


def _function(name: str, body: str, declare: str = "") -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"{declare}BEGIN {body} END $$"
    )


# Every name formatted into the SQL below is a constant of app/db/partitions/specs.py or a column
# name read from the catalog, never input: hence the noqa comments.


def trigger_statements(spec: PartitionedTable) -> list[str]:
    """Functions and triggers on the partitioned table (after the swap)."""
    key, unique = _parts(spec)
    t, k = spec.name, spec.key_table_name
    listed = ", ".join([key, *unique])
    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in unique)
    follow = ", ".join(f"{c} = NEW.{c}" for c in unique)
    insert = f"INSERT INTO {k} ({listed}) SELECT {listed} FROM new_rows; RETURN NULL;"  # noqa: S608
    delete = f"DELETE FROM {k} WHERE {key} IN (SELECT {key} FROM old_rows); RETURN NULL;"  # noqa: S608
    # A changed id would leave the children behind and make a move look like a delete.
    update = (
        f"IF NEW.{key} IS DISTINCT FROM OLD.{key} THEN RAISE EXCEPTION "  # noqa: S608
        f"'{t}.{key} cannot change once {t} is partitioned (% -> %)', OLD.{key}, NEW.{key} "
        "USING ERRCODE = 'feature_not_supported'; END IF; "
        f"IF {changed} THEN UPDATE {k} SET {follow} WHERE {key} = OLD.{key}; END IF; "
        "RETURN NEW;"
    )
    return [
        _function(f"{t}_key_on_insert", insert),
        _function(f"{t}_key_on_delete", delete),
        _function(f"{t}_key_on_truncate", f"DELETE FROM {k}; RETURN NULL;"),  # noqa: S608
        _function(f"{t}_key_on_update", update),
        _function(f"{t}_replay_move", _replay_body(spec), "DECLARE cols text; trigger_sql text; "
                  f"target text := format('%I.%I', TG_TABLE_SCHEMA, '{t}'); "),
        f"CREATE TRIGGER trg_{t}_key_insert AFTER INSERT ON {t} REFERENCING NEW TABLE AS "
        f"new_rows FOR EACH STATEMENT EXECUTE FUNCTION {t}_key_on_insert()",
        f"CREATE TRIGGER trg_{t}_key_delete AFTER DELETE ON {t} REFERENCING OLD TABLE AS "
        f"old_rows FOR EACH STATEMENT EXECUTE FUNCTION {t}_key_on_delete()",
        f"CREATE TRIGGER trg_{t}_key_truncate AFTER TRUNCATE ON {t} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {t}_key_on_truncate()",
        f"CREATE TRIGGER trg_{t}_key_update BEFORE UPDATE OF {listed} ON {t} "
        f"FOR EACH ROW EXECUTE FUNCTION {t}_key_on_update()",
        f"CREATE TRIGGER trg_{t}_moved AFTER DELETE ON {t} "
        f"FOR EACH ROW EXECUTE FUNCTION {t}_replay_move()",
    ]


def _replay_body(spec: PartitionedTable) -> str:
    """AFTER DELETE, per row: if the row is still there it moved; replay OLD -> its new state
    on a temporary copy carrying the table's AFTER UPDATE row triggers. The copy, its triggers
    and the column list are read from the catalog when used, so they follow later migrations."""
    key, _ = _parts(spec)
    t = spec.name
    replay = f"pg_temp.{t}_move_replay"
    copy_triggers = (
        "FOR trigger_sql IN SELECT pg_get_triggerdef(oid) FROM pg_trigger "  # noqa: S608
        f"WHERE tgrelid = '{t}'::regclass AND NOT tgisinternal "
        f"AND tgtype & {_AFTER_ROW_UPDATE_MASK} = {_AFTER_ROW_UPDATE} LOOP "
        f"EXECUTE replace(trigger_sql, ' ON ' || target || ' ', ' ON {replay} '); END LOOP;"
    )
    return (
        f"IF NOT EXISTS (SELECT 1 FROM {t} WHERE {key} = OLD.{key}) THEN RETURN NULL; END IF; "  # noqa: S608
        f"IF to_regclass('{replay}') IS NULL THEN "
        f"CREATE TEMP TABLE {t}_move_replay (LIKE {t}) ON COMMIT DROP; {copy_triggers} END IF; "
        "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols "
        f"FROM pg_attribute WHERE attrelid = '{t}'::regclass AND attnum > 0 "
        "AND NOT attisdropped; "
        f"EXECUTE format('INSERT INTO {replay} (%1$s) SELECT %1$s FROM (SELECT ($1).*) o', "
        "cols) USING OLD; "
        f"EXECUTE format('UPDATE {replay} SET (%1$s) = (SELECT %1$s FROM {t} WHERE {key} = $1)', "
        f"cols) USING OLD.{key}; "
        f"DELETE FROM {replay}; RETURN NULL;"
    )


def drop_statements(spec: PartitionedTable) -> list[str]:
    """After the partitioned table (and its triggers) is dropped: the key table and functions."""
    return [f"DROP TABLE {spec.key_table_name}"] + [
        f"DROP FUNCTION IF EXISTS {name}()" for name in function_names(spec)
    ]
