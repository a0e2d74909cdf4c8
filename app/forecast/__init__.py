"""Breach-risk forecast: the probability that each open dossier finishes late, learned from
the step histories of dossiers finished before the forecast instant (see `forecasting`)."""
