"""Calendar admin: dated overrides and office hours, kept in the database, with their API and
`tthc calendar` commands. Every change recomputes open dossiers' deadlines (`service`).

The calendar itself (which days are working days, and why) is pure and lives in the clock wing:
`app.deadlines.calendar`; loading it from the database is `app.deadlines.store.loaders`."""
