"""Forms that are views of what we store (NOTICES.md "The other forms"): the process-control
slip (form 06) per dossier, and the tracking book (form 07) per period."""
