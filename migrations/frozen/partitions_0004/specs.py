"""The two tables partitioned by month on PostgreSQL, and the keys of each layout.

PostgreSQL requires the partition key in every unique key of a partitioned table. `dossier_event`
widens its keys by `at` (equivalent: the dedup hash contains the step's instant). `dossier`
cannot widen the uniqueness of `code` that way, and foreign keys can only point at a unique key,
so both move to the small unpartitioned `dossier_key(id, code)` that triggers keep in step
(app/db/partitions/keys.py); the children's foreign keys point at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .catalog import IncomingKey


class AppError(Exception):
    def __init__(self, reason: str, **details: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


class BadRequest(AppError):
    pass


# What a staging table copies of the table it is LIKE (not indexes, keys or triggers).
LIKE_OPTIONS = "INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS"


class PartitioningUnsupported(BadRequest):
    code = "partitioning_unsupported"


class PartitioningRefused(AppError):
    status_code = 409
    code = "partitioning_refused"


@dataclass
class PartitionPlan:
    """What one run does to one table."""

    table: str
    converts: bool  # False: the layout stays and only months are added
    rows: int
    partitions: list[str] = field(default_factory=list)  # to be created
    statements: list[str] = field(default_factory=list)
    # Its foreign keys to a table converted later in the same run, which adds them.
    deferred: list[IncomingKey] = field(default_factory=list)


@dataclass(frozen=True)
class Layout:
    """The keys a table has in one layout: constraint name -> columns."""

    primary_key: tuple[str, ...]
    unique: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class PartitionedTable:
    name: str
    key: str  # the partition key: an instant, one partition per local month
    plain: Layout
    partitioned: Layout
    # Only on the partitioned layout: unique indexes each partition carries on its own (by
    # name suffix), outside any parent index, which PostgreSQL would require to include the
    # partition key. They state no more than the key table guarantees across partitions, but
    # they tell the planner "one row per value" when statistics are missing (autovacuum off or
    # behind a bulk import), where the default estimate of 0.5 % per value turned ingest's
    # look-up of 500 codes into a sequential scan of every partition.
    local_unique: dict[str, tuple[str, ...]]
    # Parent indexes of an earlier partitioned layout: the next run drops them, a revert does
    # not carry them to the plain table.
    replaced_indexes: tuple[str, ...] = ()
    # Its unique keys and the foreign keys pointing at it live in `{name}_key` once partitioned.
    key_table: bool = False
    # Whether triggers on it are carried over; otherwise a trigger refuses the conversion.
    carries_triggers: bool = False

    @property
    def default_partition(self) -> str:
        return f"{self.name}_default"

    @property
    def partitioned_staging(self) -> str:
        return f"{self.name}_partitioned"

    @property
    def plain_staging(self) -> str:
        return f"{self.name}_unpartitioned"

    @property
    def key_table_name(self) -> str:
        return f"{self.name}_key"

    def local_index_name(self, partition: str, suffix: str) -> str:
        return f"uq_{partition}_{suffix}"

    def local_indexes(self, partition: str) -> dict[str, str]:
        """One partition's local unique indexes: name -> CREATE statement (a build on the rows
        it has, so after a copy or a move)."""
        indexes = {}
        for suffix, columns in self.local_unique.items():
            name = self.local_index_name(partition, suffix)
            indexes[name] = f"CREATE UNIQUE INDEX {name} ON {partition} ({', '.join(columns)})"
        return indexes


EVENTS = PartitionedTable(
    name="dossier_event",
    key="at",
    plain=Layout(("id",), {"uq_dossier_event_dossier_id_dedup_hash": ("dossier_id", "dedup_hash")}),
    partitioned=Layout(
        ("id", "at"),
        {"uq_dossier_event_dossier_id_dedup_hash_at": ("dossier_id", "dedup_hash", "at")},
    ),
    local_unique={},
)

DOSSIERS = PartitionedTable(
    name="dossier",
    key="received_at",
    plain=Layout(("id",), {"uq_dossier_code": ("code",)}),
    partitioned=Layout(("id", "received_at"), {}),
    # Ingest looks dossiers up by code, a page of codes per query; uniqueness is dossier_key's.
    local_unique={"code": ("code",)},
    # The first layout's plain index on the parent (cloned to every partition) in their place.
    replaced_indexes=("ix_dossier_code",),
    key_table=True,
    carries_triggers=True,  # the rate-rollup triggers of migration 0002
)

# In conversion order: the events keep their foreign key to `dossier` as it is, then the
# dossier conversion re-points it (and the others) to `dossier_key`.
TABLES = (EVENTS, DOSSIERS)
