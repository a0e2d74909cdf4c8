"""The two tables partitioned by month on PostgreSQL, and the keys of each layout.

PostgreSQL requires the partition key in every unique key of a partitioned table. `dossier_event`
widens its keys by `at` (equivalent: the dedup hash contains the step's instant). `dossier`
cannot widen the uniqueness of `code` that way, and foreign keys can only point at a unique key,
so both move to the small unpartitioned `dossier_key(id, code)` that triggers keep in step
(app/db/partition_keys.py); the children's foreign keys point at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.core.errors import AppError, BadRequest
from app.db.partition_catalog import IncomingKey

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
    # Only on the partitioned layout: plain indexes that stand in for a unique key moved away.
    extra_indexes: dict[str, tuple[str, ...]]
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


EVENTS = PartitionedTable(
    name="dossier_event",
    key="at",
    plain=Layout(("id",), {"uq_dossier_event_dossier_id_dedup_hash": ("dossier_id", "dedup_hash")}),
    partitioned=Layout(
        ("id", "at"),
        {"uq_dossier_event_dossier_id_dedup_hash_at": ("dossier_id", "dedup_hash", "at")},
    ),
    extra_indexes={},
)

DOSSIERS = PartitionedTable(
    name="dossier",
    key="received_at",
    plain=Layout(("id",), {"uq_dossier_code": ("code",)}),
    partitioned=Layout(("id", "received_at"), {}),
    # Ingest looks dossiers up by code: each partition keeps a plain index on it.
    extra_indexes={"ix_dossier_code": ("code",)},
    key_table=True,
    carries_triggers=True,  # the rate-rollup triggers of migration 0002
)

# In conversion order: the events keep their foreign key to `dossier` as it is, then the
# dossier conversion re-points it (and the others) to `dossier_key`.
TABLES = (EVENTS, DOSSIERS)
