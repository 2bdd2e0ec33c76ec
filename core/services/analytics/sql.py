"""Portable SQL pieces the analytics queries need, compiled per dialect.

PostgreSQL and SQLite differ in date arithmetic, JSON tests and percentiles; each
construct here compiles to the native form on both, so every figure is computed
in the database on either backend.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from sqlalchemy import Select, func, literal_column, select, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement, FunctionElement
from sqlalchemy.types import Boolean, Float, String, TypeDecorator


class DayText(TypeDecorator):
    """A calendar day read back as 'YYYY-MM-DD' text (PostgreSQL answers a date, SQLite text)."""

    impl = String()
    cache_ok = True

    def process_result_value(self, value, dialect):
        return None if value is None else str(value)


class day_of(FunctionElement):
    """The UTC calendar day of a timestamp, as 'YYYY-MM-DD' text on every backend."""

    type = DayText()
    inherit_cache = True


@compiles(day_of, "postgresql")
def _day_of_pg(element, compiler, **kw):
    # Grouping by a date is about twice as fast as by to_char() text on a million rows.
    (column,) = list(element.clauses)
    return f"CAST(({compiler.process(column, **kw)}) AT TIME ZONE 'UTC' AS DATE)"


@compiles(day_of)
def _day_of_sqlite(element, compiler, **kw):
    (column,) = list(element.clauses)
    return f"strftime('%Y-%m-%d', {compiler.process(column, **kw)})"


class seconds_between(FunctionElement):
    """`end - start` in seconds (a float), for durations such as post-to-draft."""

    type = Float()
    inherit_cache = True


@compiles(seconds_between, "postgresql")
def _seconds_pg(element, compiler, **kw):
    end, start = list(element.clauses)
    # date_part is double precision; EXTRACT is numeric since PostgreSQL 14, far slower to sort
    # for the percentiles over a year of drafts.
    return f"date_part('epoch', {compiler.process(end, **kw)} - {compiler.process(start, **kw)})"


@compiles(seconds_between)
def _seconds_sqlite(element, compiler, **kw):
    end, start = list(element.clauses)
    return (
        f"((julianday({compiler.process(end, **kw)}) - "
        f"julianday({compiler.process(start, **kw)})) * 86400.0)"
    )


class json_has_key(FunctionElement):
    """Whether a JSON object column holds `key` (even with a null value)."""

    type = Boolean()
    inherit_cache = True


@compiles(json_has_key, "postgresql")
def _has_key_pg(element, compiler, **kw):
    column, key = list(element.clauses)
    return f"jsonb_exists({compiler.process(column, **kw)}, {compiler.process(key, **kw)})"


@compiles(json_has_key)
def _has_key_sqlite(element, compiler, **kw):
    column, key = list(element.clauses)
    # json_type answers SQL NULL only when the path is missing ('null' for a JSON null).
    return (
        f"(json_type({compiler.process(column, **kw)}, "
        f"'$.\"' || {compiler.process(key, **kw)} || '\"') IS NOT NULL)"
    )


class json_is_empty(FunctionElement):
    """Whether a JSON column is empty: SQL NULL, JSON null or an object with no keys."""

    type = Boolean()
    inherit_cache = True


@compiles(json_is_empty, "postgresql")
def _is_empty_pg(element, compiler, **kw):
    (column,) = list(element.clauses)
    c = compiler.process(column, **kw)
    return f"(COALESCE({c}, 'null'::jsonb) IN ('{{}}'::jsonb, 'null'::jsonb))"


@compiles(json_is_empty)
def _is_empty_sqlite(element, compiler, **kw):
    (column,) = list(element.clauses)
    c = compiler.process(column, **kw)
    return f"(COALESCE(json_type({c}), 'null') = 'null' OR {c} = '{{}}' OR json({c}) = '{{}}')"


def percentiles(
    session: Session,
    select_from: Callable[..., Select],
    series: dict[str, tuple[ColumnElement, ColumnElement]],
    fractions: Sequence[float],
) -> dict[str, dict[float, float | None]]:
    """Nearest-rank percentiles of several value series over one set of rows (None when empty).

    `select_from(*columns)` selects the rows; each series is `(value, condition)`. PostgreSQL
    reads the rows once, with one `percentile_disc ... FILTER (WHERE condition)` per series
    and fraction (`percentile_disc` is the nearest-rank definition). SQLite has no percentile
    function, so it counts and reads the k-th value by OFFSET, series by series.
    """
    if session.get_bind().dialect.name == "postgresql":
        aggregates = [func.percentile_disc(f).within_group(value).filter(condition)
                      for value, condition in series.values() for f in fractions]
        values = iter(session.execute(select_from(*aggregates)).one())
        return {name: {f: _as_float(next(values)) for f in fractions} for name in series}
    found = {}
    for name, (value, condition) in series.items():
        sub = select_from(value).where(condition).subquery()
        column = list(sub.c)[0]
        count = session.execute(select(func.count()).select_from(sub)).scalar_one()
        found[name] = {f: _kth_value(session, column, sub, count, f) for f in fractions}
    return found


def _as_float(value) -> float | None:
    return None if value is None else float(value)


def _kth_value(session, column, sub, count: int, fraction: float) -> float | None:
    if count == 0:
        return None
    rank = max(1, math.ceil(fraction * count))
    stmt = select(column).select_from(sub).order_by(column).offset(rank - 1).limit(1)
    return _as_float(session.execute(stmt).scalar_one())


def plan_for_few_groups(session: Session) -> None:
    """For the rest of this transaction, plan a GROUP BY as having few groups (PostgreSQL).

    The planner guesses about 200 values for every grouped expression, so grouping by a
    handful of them looks like a million groups: it would sort the whole year of rows, and
    would not split the scan among parallel workers (it prices sending a million partial
    groups back). They take a few thousand values together, so hash them, in parallel.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL enable_sort = off"))
        session.execute(text("SET LOCAL parallel_tuple_cost = 0.001"))


def ratio(numerator: float | int | None, denominator: float | int | None) -> float | None:
    """numerator / denominator, or None when there is nothing to divide by."""
    if not denominator:
        return None
    return (numerator or 0) / denominator


def count_where(condition: ColumnElement) -> ColumnElement:
    """COUNT(*) FILTER (WHERE condition), which PostgreSQL and SQLite (3.30+) both speak."""
    return func.count(literal_column("1")).filter(condition)


def sum_where(value: ColumnElement, condition: ColumnElement) -> ColumnElement:
    return func.coalesce(func.sum(value).filter(condition), 0)
