"""The clock wing's one database seam: the calendar and office hours loaded from their tables
(`loaders`), what stored steps mean (`steps`), the dossier -> engine -> clock columns bridge
(`sync`) and the SQL they need (`repository`). Every domain that needs a due time or the clock
state of a stored dossier comes here; nothing here imports another domain."""
