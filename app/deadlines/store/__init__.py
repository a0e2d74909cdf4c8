"""The clock wing's one database seam: the calendar and office hours loaded from their tables
(`loaders`), what stored steps mean (`steps`), the dossier -> engine -> clock columns bridge
(`sync`), the SQL they need (`repository`), and for DEADLINES.md §8 the internal processes
(`processes`) and the stored records read into the step engine (`step_sync`). Every domain that
needs a due time or the clock state of a stored dossier comes here; nothing here imports another
domain."""
