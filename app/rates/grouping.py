"""Groups of a period report: agency (rolled up to parents), procedure, field, channel, month."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.core.clock import LOCAL_TZ
from app.rates import repository
from app.rates.counts import PeriodCounts
from app.rates.processing import ProcessingStats
from app.rates.rollups import service as rollups
from app.rates.schemas import GroupBy, ReportGroup
from connectors.portal.vocabulary import CHANNEL_TITLES

UNKNOWN = "(không rõ)"
Builder = Callable[[PeriodCounts], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Scope:
    """Which agencies a report counts: None for all, else an agency subtree's ids."""

    agency_ids: frozenset[int] | None
    root_code: str | None = None


def month_bounds(start: datetime, end: datetime) -> list[tuple[str, datetime, datetime]]:
    """Local calendar months overlapping [start, end), each clipped to the period."""
    months: list[tuple[str, datetime, datetime]] = []
    local = start.astimezone(LOCAL_TZ)
    cursor = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    while cursor < end:
        following = (cursor + timedelta(days=32)).replace(day=1)
        months.append((f"{cursor:%Y-%m}", max(cursor, start), min(following, end)))
        cursor = following
    return months


def subtree(tree: Mapping[int, repository.AgencyNode], root: int) -> frozenset[int]:
    children: dict[int | None, list[int]] = {}
    for node in tree.values():
        children.setdefault(node.parent_id, []).append(node.id)
    seen: set[int] = set()
    stack = [root]
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack.extend(children.get(current, []))
    return frozenset(seen)


def count_period(
    session: Session, start: datetime, end: datetime, group_by: repository.GroupKey | None,
    scope: Scope,
) -> dict[Any, PeriodCounts]:
    kwargs: dict[str, Any] = {"group_by": group_by, "agency_ids": scope.agency_ids}
    dossiers = rollups.count_dossiers(session, start, end, **kwargs)
    if dossiers is None:  # not month-aligned, or grouped by something the rollup does not keep
        dossiers = repository.count_dossiers(session, start, end, **kwargs)
    notices = repository.count_apologies(session, start, end, **kwargs)
    return {
        key: PeriodCounts.from_mapping({**dossiers.get(key, {}), **notices.get(key, {})})
        for key in dossiers.keys() | notices.keys()
    }


def sum_counts(values: Iterable[PeriodCounts]) -> PeriodCounts:
    total = PeriodCounts()
    for value in values:
        total = total + value
    return total

def roll_up(
    direct: Mapping[int, PeriodCounts], tree: Mapping[int, repository.AgencyNode]
) -> dict[int, PeriodCounts]:
    """Each agency's counts plus all its descendants' (commune -> district -> province)."""
    rolled: dict[int, PeriodCounts] = {}
    for agency_id, counts in direct.items():
        current: int | None = agency_id
        seen: set[int] = set()
        while current is not None and current not in seen:  # a parent cycle must not loop
            seen.add(current)
            rolled[current] = rolled.get(current, PeriodCounts()) + counts
            node = tree.get(current)
            current = node.parent_id if node else None
    return rolled


def _tree_order(
    ids: Iterable[int], tree: Mapping[int, repository.AgencyNode]
) -> list[tuple[int, int]]:
    """(agency id, depth) depth-first, parents before children, siblings by code."""
    wanted = set(ids)
    children: dict[int | None, list[int]] = {}
    for agency_id in wanted:
        parent = tree[agency_id].parent_id if agency_id in tree else None
        children.setdefault(parent if parent in wanted else None, []).append(agency_id)
    ordered: list[tuple[int, int]] = []
    stack = [(a, 0) for a in sorted(children.get(None, []), key=lambda i: _code(tree, i))][::-1]
    while stack:
        agency_id, depth = stack.pop()
        ordered.append((agency_id, depth))
        kids = sorted(children.get(agency_id, []), key=lambda i: _code(tree, i))
        stack.extend((kid, depth + 1) for kid in reversed(kids))
    return ordered


def _code(tree: Mapping[int, repository.AgencyNode], agency_id: int) -> str:
    node = tree.get(agency_id)
    return node.code if node else str(agency_id)


def build_groups(
    session: Session,
    start: datetime,
    end: datetime,
    group_by: GroupBy,
    scope: Scope,
    build: Builder,
    stats: Mapping[int, ProcessingStats],
) -> tuple[list[ReportGroup], PeriodCounts]:
    """The report's groups and the sum of the dossiers' own counts (each counted once)."""
    if group_by == "month":
        groups: list[ReportGroup] = []
        for label, month_start, month_end in month_bounds(start, end):
            counts = count_period(session, month_start, month_end, None, scope).get(
                repository.NO_GROUP, PeriodCounts()
            )
            month_label = f"Tháng {label[5:]}/{label[:4]}"
            groups.append(ReportGroup(**build(counts), key=label, label=month_label))
        return groups, PeriodCounts()
    counted = count_period(session, start, end, group_by, scope)
    total = sum_counts(counted.values())
    if group_by == "agency":
        tree = repository.agency_tree(session)
        rolled = roll_up(counted, tree)
        visible = [a for a in rolled if scope.agency_ids is None or a in scope.agency_ids]
        groups = []
        for agency_id, depth in _tree_order(visible, tree):
            node = tree.get(agency_id)
            parent = tree.get(node.parent_id) if node and node.parent_id else None
            groups.append(
                ReportGroup(
                    **build(rolled[agency_id]),
                    key=node.code if node else str(agency_id),
                    label=node.name if node else str(agency_id),
                    parent_key=parent.code if parent else None,
                    level=depth,
                )
            )
        return groups, total
    if group_by == "procedure":
        labels = repository.procedure_labels(session, [k for k in counted if k is not None])
        groups = []
        for pid, counts in counted.items():
            code, name = labels.get(pid, (str(pid), UNKNOWN))
            stat = stats.get(pid)
            groups.append(
                ReportGroup(
                    **build(counts),
                    key=code,
                    label=name,
                    mean_working_days=stat.mean_working_days if stat else None,
                    median_working_days=stat.median_working_days if stat else None,
                )
            )
        return sorted(groups, key=lambda g: g.key), total
    if group_by == "field":
        names = repository.field_labels(session, [k for k in counted if k is not None])
        groups = [
            ReportGroup(
                **build(counts),
                key=code if code is not None else UNKNOWN,
                label=names.get(code, code) if code is not None else UNKNOWN,
            )
            for code, counts in counted.items()
        ]
        return sorted(groups, key=lambda g: g.key), total
    groups = [
        ReportGroup(
            **build(counts),
            key=str(channel) if channel is not None else UNKNOWN,
            label=CHANNEL_TITLES.get(channel, UNKNOWN) if channel is not None else UNKNOWN,
        )
        for channel, counts in counted.items()
    ]
    return sorted(groups, key=lambda g: g.key), total
