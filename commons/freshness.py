"""Freshness: how long ago a site was last confirmed on the ground (Site.last_confirmed_at).

Derived, never stored on the site: fresh when the confirmation is less than REGISTRY_FRESH_MONTHS old, stale when
more than REGISTRY_STALE_MONTHS old, ageing in between. Ages count whole days in UTC and calendar months the way
PostgreSQL subtracts them (`date - interval 'n months'`, the day clamped to the month's end):

    confirmed on day d, today t:  fresh  d > t - 12 months
                                  ageing t - 24 months <= d <= t - 12 months
                                  stale  d < t - 24 months

Every face reads the same SQL: the public member (commons.site_fields), the filter (commons.search) and the
re-check selection compare last_confirmed_at with FRESH_FROM and STALE_BEFORE, two uncorrelated subqueries that
PostgreSQL evaluates once per statement from its own clock, so a statement compiled once (and kept by a worker,
mapping.read.tiles) stays right after midnight. The precomputed counts keep a copy of each site's band as of
the day of commons_freshnessclock (commons.models.aggregates), and answer freshness filters only on that day.
"""

import calendar
import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.db.models.expressions import RawSQL

from commons.models.sites import Freshness

BANDS = (Freshness.FRESH, Freshness.AGEING, Freshness.STALE)  # band numbers 0, 1, 2 in the aggregates
FRESH_MONTHS = settings.REGISTRY_FRESH_MONTHS
STALE_MONTHS = settings.REGISTRY_STALE_MONTHS

_TODAY = "(now() AT TIME ZONE 'UTC')::date"
FRESH_FROM = f"(SELECT ({_TODAY} - interval '{int(FRESH_MONTHS)} months' + interval '1 day') AT TIME ZONE 'UTC')"
STALE_BEFORE = f"(SELECT ({_TODAY} - interval '{int(STALE_MONTHS)} months') AT TIME ZONE 'UTC')"


def freshness_sql(column):
    """SQL of the freshness name ('fresh', 'ageing', 'stale') of a last_confirmed_at column."""
    return (f"CASE WHEN {column} >= {FRESH_FROM} THEN 'fresh' WHEN {column} >= {STALE_BEFORE} THEN 'ageing' "
            "ELSE 'stale' END")


def freshness_q(names):
    """A Q selecting sites whose freshness is one of `names` (a range, or two when fresh and stale)."""
    wanted = set(names)
    fresh_from = RawSQL(FRESH_FROM, ())
    stale_before = RawSQL(STALE_BEFORE, ())
    if wanted >= set(BANDS):
        return Q()
    parts = {
        Freshness.FRESH: Q(last_confirmed_at__gte=fresh_from),
        Freshness.AGEING: Q(last_confirmed_at__lt=fresh_from, last_confirmed_at__gte=stale_before),
        Freshness.STALE: Q(last_confirmed_at__lt=stale_before),
    }
    if wanted == {Freshness.FRESH, Freshness.AGEING}:
        return Q(last_confirmed_at__gte=stale_before)
    if wanted == {Freshness.AGEING, Freshness.STALE}:
        return Q(last_confirmed_at__lt=fresh_from)
    query = Q(pk__in=[])
    for name in wanted:
        query |= parts[name]
    return query


def months_before(day, months):
    """`day` minus whole calendar months, as PostgreSQL computes it (31 March - 1 month = 28/29 February)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _midnight(day):
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.timezone.utc)


def cutoffs(today):
    """(fresh_from, stale_before): the aware datetimes FRESH_FROM and STALE_BEFORE are on `today` (UTC)."""
    return (_midnight(months_before(today, FRESH_MONTHS) + dt.timedelta(days=1)),
            _midnight(months_before(today, STALE_MONTHS)))


def freshness_of(moment, today=None):
    """The Freshness of a site last confirmed at `moment`, on `today` (UTC; default: now)."""
    fresh_from, stale_before = cutoffs(today or dt.datetime.now(dt.timezone.utc).date())
    if moment >= fresh_from:
        return Freshness.FRESH
    return Freshness.AGEING if moment >= stale_before else Freshness.STALE
