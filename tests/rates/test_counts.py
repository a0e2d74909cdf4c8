"""The arithmetic, with the exact published Lâm Đồng Q1/2024 figures (RATES.md)."""

from __future__ import annotations

from app.rates.counts import PeriodCounts, assemble

PUBLISHED = PeriodCounts(
    # The published "received" (159,845) is II.06a's total: in the period + carried over. The
    # split is not published; it does not change any rate.
    received=150_000,
    carried_over=9_845,
    resolved_early=120_000,
    resolved_on_time=28_761,
    resolved_late=2_534,
    open_in_time=7_815,
    open_overdue=735,
)


def test_published_figures_reconcile_and_give_98_33() -> None:
    fig = assemble(PUBLISHED, progress_score_weight=20, small_sample_threshold=20)
    c = fig.counts
    assert c.total_to_process == 159_845
    assert c.resolved == 151_295 and c.early_or_on_time == 148_761
    assert c.open_at_end == 8_550
    assert fig.reconciles and fig.findings == ()
    assert fig.on_time_rate is not None and round(fig.on_time_rate * 100, 2) == 98.33
    assert fig.late_rate_all is not None
    assert round(fig.late_rate_all * 100, 2) == round((2_534 + 735) / 159_845 * 100, 2) == 2.05
    assert fig.progress_score is not None
    assert round(fig.progress_score, 4) == round(20 * (148_761 + 7_815) / 159_845, 4)
    assert not fig.small_sample


def test_weight_is_a_setting() -> None:
    ten = assemble(PUBLISHED, progress_score_weight=10, small_sample_threshold=20)
    twenty = assemble(PUBLISHED, progress_score_weight=20, small_sample_threshold=20)
    assert ten.progress_score is not None and twenty.progress_score is not None
    assert abs(twenty.progress_score - 2 * ten.progress_score) < 1e-9


def test_mismatch_is_a_finding_not_hidden() -> None:
    broken = PUBLISHED + PeriodCounts(received=3, finished_before_received=3)
    fig = assemble(broken, progress_score_weight=20, small_sample_threshold=20)
    assert not fig.reconciles
    assert any("không khớp" in f and "chênh lệch 3" in f for f in fig.findings)
    assert any("trước thời điểm tiếp nhận" in f for f in fig.findings)


def test_small_sample_and_empty() -> None:
    one = assemble(
        PeriodCounts(received=1, resolved_early=1), progress_score_weight=20,
        small_sample_threshold=20,
    )
    assert one.on_time_rate == 1.0 and one.small_sample
    empty = assemble(PeriodCounts(), progress_score_weight=20, small_sample_threshold=20)
    assert empty.on_time_rate is None and empty.progress_score is None and empty.reconciles


def test_no_due_is_outside_rates_but_inside_totals() -> None:
    counts = PeriodCounts(received=12, resolved_early=9, resolved_late=1, resolved_no_due=2)
    fig = assemble(counts, progress_score_weight=20, small_sample_threshold=5)
    assert fig.counts.resolved == 12 and fig.reconciles
    assert fig.on_time_rate == 0.9
    assert any("không có hạn" in f for f in fig.findings)


def test_counts_add_up() -> None:
    assert (PeriodCounts(received=1, open_paused=2) + PeriodCounts(received=4)).received == 5
