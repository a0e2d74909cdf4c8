"""Migration 0004's partitioning, frozen: a copy of app/db/partitions/ (catalog, convert, keys,
months, specs, tables) as of the clock-wing renovation, with its imports made local. The live
code may change (the daily job, `tthc db partition`); revision 0004 keeps converting exactly so.
"""

from .tables import DEFAULT_MONTHS_AHEAD, partition_tables, unpartition_tables

__all__ = ["DEFAULT_MONTHS_AHEAD", "partition_tables", "unpartition_tables"]
