"""Monthly range partitions of `dossier` and `dossier_event` on PostgreSQL (docs/scaling.md).

`tables` converts the tables and adds months (what `tthc db partition` runs), `online` moves
rows out of DEFAULT and adds the coming months beside live traffic (the daily job), `specs`
says what each table is partitioned by, `catalog` reads the server's catalogue, `convert` and
`months` plan the DDL, `keys` keeps `dossier_key` (the code's uniqueness and the foreign keys'
target), `autogen` keeps Alembic's autogenerate from seeing the partitions as drift.
"""
