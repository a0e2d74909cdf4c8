"""Incremental rollups for the rates: `rate_rollup`, kept by triggers, read when it covers a query.

Public: :func:`app.rates.rollups.service.count_dossiers` (None when the rollup cannot answer
exactly), :func:`app.rates.rollups.service.rebuild` and :func:`app.rates.rollups.service.verify`.
"""
