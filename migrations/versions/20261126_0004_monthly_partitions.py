"""monthly partitions: dossier by received_at, dossier_event by at (PostgreSQL only)

On PostgreSQL both tables become RANGE partitioned by local month, with a DEFAULT partition;
the uniqueness of dossier.code and the foreign keys that pointed at dossier.id move to the small
dossier_key table. The conversion is the code `tthc db partition` runs (app/db/partitions/, see
docs/scaling.md), frozen for this revision in migrations/frozen/partitions_0004/: a table already
partitioned by that command only gets its missing months. On SQLite, which has no partitions,
nothing changes. The downgrade copies the rows back into plain tables with their original keys
and foreign keys.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 10:00:00
"""

import importlib.util
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FROZEN = Path(__file__).resolve().parent.parent / "frozen" / "partitions_0004"


def _partitioning() -> ModuleType:
    """The frozen copy, loaded by path: migrations never import the live app."""
    name = "tthc_migrations_frozen_partitions_0004"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, _FROZEN / "__init__.py", submodule_search_locations=[str(_FROZEN)]
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        partitioning = _partitioning()
        partitioning.partition_tables(
            bind, datetime.now(UTC), partitioning.DEFAULT_MONTHS_AHEAD
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _partitioning().unpartition_tables(bind)
