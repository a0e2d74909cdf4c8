"""The period report: counting (repository) + assembly (counts.assemble) + labels and roll-up."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.core.clock import LOCAL_TZ
from app.core.config import Settings
from app.core.errors import BadRequest, Forbidden, NotFound, ValidationFailed
from app.deadlines.clock import MAX_YEAR, MIN_YEAR
from app.deadlines.store.loaders import load_calendar, load_office_hours
from app.rates import repository
from app.rates.counts import PeriodCounts, RateFigures, assemble
from app.rates.grouping import Scope, build_groups, count_period, month_bounds, roll_up, subtree
from app.rates.processing import ProcessingStats, processing_stats
from app.rates.schemas import (
    RATE_DEFINITIONS,
    GroupBy,
    PeriodReport,
    ProcessingTimeRow,
    PublicRateRow,
    PublicRates,
    ReportGroup,
)
from app.rates.units import late_steps_by_unit, unit_rates

MAX_PERIOD = timedelta(days=3700)


def figures(fig: RateFigures) -> dict[str, Any]:
    c = fig.counts
    return {
        "received": c.received,
        "received_online": c.received_online,
        "received_in_person_or_postal": c.received_in_person_or_postal,
        "received_postal": c.received_postal,
        "carried_over": c.carried_over,
        "total_to_process": c.total_to_process,
        "resolved": c.resolved,
        "early": c.resolved_early,
        "on_time": c.resolved_on_time,
        "late": c.resolved_late,
        "resolved_no_due": c.resolved_no_due,
        "open_at_end": c.open_at_end,
        "open_in_time": c.open_in_time,
        "open_paused": c.open_paused,
        "open_overdue": c.open_overdue,
        "open_no_due": c.open_no_due,
        "excluded": c.excluded,
        "excluded_not_accepted": c.excluded_not_accepted,
        "excluded_refused": c.excluded_refused,
        "excluded_withdrawn": c.excluded_withdrawn,
        "excluded_stopped": c.excluded_stopped,
        "late_without_apology": c.late_without_apology,
        "apologies_issued": c.apologies_issued,
        "apologies_on_time": c.apologies_on_time,
        "on_time_rate": fig.on_time_rate,
        "late_rate_all": fig.late_rate_all,
        "progress_score": fig.progress_score,
        "early_share": fig.early_share,
        "online_share": fig.online_share,
        "postal_share": fig.postal_share,
        "apologies_on_time_share": fig.apologies_on_time_share,
        "sample_size": fig.sample_size,
        "small_sample": fig.small_sample,
        "reconciles": fig.reconciles,
        "findings": list(fig.findings),
    }


def check_period(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise BadRequest("period bounds need a timezone")
    if end <= start:
        raise BadRequest("the period's end must be after its start ('to' is exclusive)")
    if end - start > MAX_PERIOD:
        raise BadRequest("a report covers at most ten years")


def resolve_scope(
    session: Session, principal_agency_ids: frozenset[int] | None, agency_code: str | None
) -> Scope:
    """The caller's scope, narrowed to one agency's subtree when asked (and allowed)."""
    if agency_code is None:
        return Scope(principal_agency_ids)
    node = repository.agency_by_code(session, agency_code)
    if node is None:
        raise NotFound(f"no agency with code {agency_code!r}")
    if principal_agency_ids is not None and node.id not in principal_agency_ids:
        raise Forbidden(f"agency {agency_code} is outside your scope")
    tree = repository.agency_tree(session)
    return Scope(subtree(tree, node.id), node.code)


def period_report(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    group_by: GroupBy | None,
    scope: Scope,
    settings: Settings,
    with_processing_times: bool = True,
) -> PeriodReport:
    check_period(start, end)
    def build(counts: PeriodCounts) -> dict[str, Any]:
        return figures(
            assemble(
                counts,
                progress_score_weight=settings.progress_score_weight,
                small_sample_threshold=settings.small_sample_threshold,
            )
        )

    stats: dict[int, ProcessingStats] = {}
    if with_processing_times:
        spans = repository.finished_spans(session, start, end, agency_ids=scope.agency_ids)
        schedule = load_office_hours(session)[None]
        stats = processing_stats(spans, load_calendar(session), schedule)
    if group_by is None or group_by == "month":
        totals = count_period(session, start, end, None, scope).get(repository.NO_GROUP)
        total_counts = totals or PeriodCounts()
    groups: list[ReportGroup] | None = None
    if group_by is not None:
        groups, grouped_total = build_groups(
            session, start, end, group_by, scope, build, stats
        )
        if group_by != "month":
            total_counts = grouped_total
    labels = repository.procedure_labels(session, list(stats))
    processing = [
        ProcessingTimeRow(
            procedure_code=labels.get(pid, (str(pid), ""))[0],
            procedure_name=labels.get(pid, ("", ""))[1],
            finished=s.finished,
            mean_working_days=s.mean_working_days,
            median_working_days=s.median_working_days,
        )
        for pid, s in sorted(stats.items(), key=lambda item: labels.get(item[0], ("",))[0])
    ]
    return PeriodReport(
        **build(total_counts),
        period_from=start,
        period_to=end,
        group_by=group_by,
        scope=scope.root_code,
        progress_score_weight=settings.progress_score_weight,
        small_sample_threshold=settings.small_sample_threshold,
        groups=groups,
        processing_times=processing,
        definitions=RATE_DEFINITIONS,
        late_steps_by_unit=late_steps_by_unit(
            unit_rates(session, start, end, scope, settings.small_sample_threshold))
        if with_processing_times else [],
    )


MAX_PUBLIC_MONTHS = 24


def check_public_period(
    start: datetime, end: datetime
) -> list[tuple[str, datetime, datetime]]:
    """The public period's months, or a 400 for a period the public endpoint does not serve."""
    check_period(start, end)
    months = month_bounds(start, end)
    if len(months) > MAX_PUBLIC_MONTHS:
        raise BadRequest(f"the public endpoint covers at most {MAX_PUBLIC_MONTHS} months")
    return months


def public_rates(
    session: Session, *, start: datetime, end: datetime, settings: Settings
) -> PublicRates:
    """Aggregates per agency (rolled up) and month: counts and rates only, nothing personal.
    Complete months come from the rollup, a month cut by a bound partly live (app/rates/rollups)."""
    months = check_public_period(start, end)
    tree = repository.agency_tree(session)
    rows: list[PublicRateRow] = []
    for label, month_start, month_end in months:
        counted = count_period(session, month_start, month_end, "agency", Scope(None))
        for agency_id, counts in sorted(roll_up(counted, tree).items()):
            fig = assemble(
                counts,
                progress_score_weight=settings.progress_score_weight,
                small_sample_threshold=settings.small_sample_threshold,
            )
            node = tree.get(agency_id)
            rows.append(
                PublicRateRow(
                    agency_code=node.code if node else str(agency_id),
                    agency_name=node.name if node else "",
                    month=label,
                    received=counts.received,
                    resolved=counts.resolved,
                    early=counts.resolved_early,
                    on_time=counts.resolved_on_time,
                    late=counts.resolved_late,
                    open_in_time=counts.open_in_time,
                    open_overdue=counts.open_overdue,
                    on_time_rate=fig.on_time_rate,
                    late_rate_all=fig.late_rate_all,
                    progress_score=fig.progress_score,
                    small_sample=fig.small_sample,
                )
            )
    return PublicRates(
        period_from=start,
        period_to=end,
        small_sample_threshold=settings.small_sample_threshold,
        rows=rows,
    )


def local_day_start(day: date) -> datetime:
    """A date from a user is a local (Asia/Ho_Chi_Minh) day: the period starts at its midnight.
    Days outside the years the legal clock covers are refused (year 1 has no midnight in UTC)."""
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValidationFailed(f"dates must fall within {MIN_YEAR}–{MAX_YEAR}, got {day}")
    return datetime.combine(day, time(0), LOCAL_TZ).astimezone(UTC)
