"""Counts of visible sites, precomputed and kept current by PostgreSQL on every write to commons_site.

Why: at national scale (1M sites) a low-zoom map tile or a table of counts would otherwise group hundreds of
thousands of rows per request (0.5-2 s). These rows answer them by reading a few hundred.

What a row holds: the visible sites (not hidden, not duplicates) of one key —
- level 0, province '' : one region (the counts per region);
- level 0, province set: one province and one SNAI inner-areas class (the class of the site's municipality);
- level 10-13          : one cell of the Web Mercator grid of that level (2^level cells per side, cx from the
  west and cy from the south), split by province and inner-areas class. A tile at zoom z <= 8 has 32 × 32 of
  these cells at level z + 5 (CELLS_PER_TILE in mapping/tiles.py), so a tile reads the rows of its cells.
Per row: `total`, the sums of the sites' Web Mercator x and y (their mean places the cluster) and two cumulative
count arrays over kind × status × ownership, so any combination of those filters is a few array lookups:
- `cum_main[i]`: sites whose slot (status, kind, ownership; status major) is <= i; 6 × 10 × 8 = 480 slots;
- `cum_ownership[i]`: the same over (ownership, status) only, 8 × 6 = 48 slots (ownership filters would
  otherwise need up to 120 lookups in cum_main).
A filter selecting slots a..b counts cum[b] - cum[a-1]. The arrays are dense and stored uncompressed (STORAGE
PLAIN): a subscript then costs ~0.1 µs, where sparse arrays searched with width_bucket cost ~2 µs (measured).

Who writes: statement-level triggers on commons_site (insert, update, delete, truncate) and on
commons_municipality (a changed inner-areas class), installed by migration 0003 with the SQL functions
`commons_site_aggregates_rebuild()` and `commons_site_aggregates_add_sites(first_id)`. Bulk loads that disable
user triggers (the demo seeder's COPY) call `add_sites` afterwards; `manage.py rebuild_aggregates` recomputes
everything. The value lists below are frozen into those SQL functions: changing a choice of Site needs a new
migration that recreates them (tests/commons/test_aggregates.py fails until then).

Freshness (commons.freshness) depends on the current date, so no count can hold it for good. Every key has a
row over every band (`band` = EVERY_BAND, -1: what reads without a freshness filter use) and rows split by `band`,
the site's freshness (0 fresh, 1 ageing, 2 stale) as of the day in commons_freshnessclock (migration 0017: an
unfiltered read then reads as many rows as before bands existed; writes skip the keys they leave unchanged);
the triggers compute it from last_confirmed_at and that clock, and `refresh_bands()` (run by manage.py
send_rechecks, e.g. hourly) moves the few sites whose band changed since (a day at 1M sites: ~2,700) and sets the
clock to today, in one transaction that writers wait for. A Selection with a freshness filter is answered only
while the clock is today's (`bands_current()`); until the first refresh of a day those filters count live. Why a
band key and not a confirmation month: a month key would split every cell by up to ~30 months present in it
(unfiltered tiles read that many more rows); three bands split a cell at most three ways (see bench/README.md).

Filters these rows cannot answer (text search, spatial filters, municipality, land area, update or
confirmation date, claimed) make callers fall back to the live query over commons_site.
"""

import datetime as dt
import functools
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import connection, connections, models, router, transaction

GRID_LEVELS = (10, 11, 12, 13)
TILE_CELLS_SHIFT = 5  # 2^5 = 32 cells per tile side: tile zoom z uses grid level z + 5

STATUSES = ("reported", "verified", "assigned", "in_reuse", "rejected", "archived")  # duplicates never count
KINDS = ("building", "land", "village", "natural", "cultural", "urban_complex", "periphery", "industrial",
         "infrastructure", "other")
OWNERSHIPS = ("state", "region", "municipality", "other_public", "private", "confiscated", "ecclesiastical",
              "unknown")
MAIN_SLOTS = len(STATUSES) * len(KINDS) * len(OWNERSHIPS)
OWNERSHIP_SLOTS = len(OWNERSHIPS) * len(STATUSES)


def main_slot(status, kind, ownership):
    """1-based position of (status, kind, ownership) indexes in cum_main."""
    return (status * len(KINDS) + kind) * len(OWNERSHIPS) + ownership + 1


def ownership_slot(ownership, status):
    return ownership * len(STATUSES) + status + 1


def _indexes(values, names):
    return None if values is None else sorted({names.index(v) for v in values if v in names})


def _runs(slots):
    runs = []
    for slot in slots:
        if runs and runs[-1][1] == slot - 1:
            runs[-1][1] = slot
        else:
            runs.append([slot, slot])
    return runs


def _gaps(runs, size):
    gaps, start = [], 1
    for a, b in runs:
        if a > start:
            gaps.append([start, a - 1])
        start = b + 1
    if start <= size:
        gaps.append([start, size])
    return gaps


def range_sum_sql(column, slots, size):
    """SQL summing the counts of `slots` from a cumulative array: one difference per run of consecutive slots,
    or `total` minus the runs left out when those are fewer."""
    runs = _runs(sorted(set(slots)))
    left_out = _gaps(runs, size)

    def terms(ranges):
        return " + ".join(f"({column}[{b}]" + (f" - {column}[{a - 1}])" if a > 1 else ")") for a, b in ranges)

    if not runs:
        return "0"
    if not left_out:
        return "total"
    if len(left_out) < len(runs):
        return f"(total - ({terms(left_out)}))"
    return f"({terms(runs)})"


@functools.lru_cache(maxsize=4096)
def _count_sql(statuses, kinds, ownerships):
    """SQL counting a row's sites with these status, kind and ownership indexes (None: any)."""
    if statuses is None and kinds is None and ownerships is None:
        return "total"
    all_s, all_k, all_o = range(len(STATUSES)), range(len(KINDS)), range(len(OWNERSHIPS))
    if kinds is None and ownerships is not None:
        slots = [ownership_slot(o, s) for o in ownerships for s in (all_s if statuses is None else statuses)]
        return range_sum_sql("cum_ownership", slots, OWNERSHIP_SLOTS)
    slots = [main_slot(s, k, o) for s in (all_s if statuses is None else statuses)
             for k in (all_k if kinds is None else kinds) for o in (all_o if ownerships is None else ownerships)]
    return range_sum_sql("cum_main", slots, MAIN_SLOTS)


@dataclass(frozen=True)
class Selection:
    """The site filters the aggregates answer; None means "not filtered"."""

    regions: tuple = None
    provinces: tuple = None
    inner_classes: tuple = None
    kinds: tuple = None
    statuses: tuple = None
    ownerships: tuple = None
    freshness: tuple = None  # names; answered only while the bands are current (bands_current)

    # Filter parameter (commons.search) -> field of the selection.
    PARAMETERS = {"region": "regions", "province": "provinces", "inner": "inner_classes", "kind": "kinds",
                  "status": "statuses", "ownership": "ownerships", "freshness": "freshness"}

    @classmethod
    def from_filters(cls, values):
        """From cleaned filter values ({parameter: value or None}); None when a filter outside PARAMETERS is set."""
        chosen = {name: value for name, value in values.items() if value not in (None, "", [], ())}
        if set(chosen.get("freshness") or ()) >= set(BANDS):
            del chosen["freshness"]  # every band: no filter at all
        if set(chosen) - set(cls.PARAMETERS):
            return None
        return cls(**{cls.PARAMETERS[name]: tuple(value) for name, value in chosen.items()})

    @property
    def by_province(self):
        """Whether rows split by province and inner-areas class are needed (rather than per region)."""
        return self.provinces is not None or self.inner_classes is not None

    def area_conditions(self, banded=False):
        """(SQL conditions, params) on the key columns: the rows over every band unless a freshness filter (or
        `banded`, to group by band) asks for the rows per band."""
        conditions, params = [], []
        for column, values in (("region", self.regions), ("province", self.provinces),
                               ("inner_class", self.inner_classes)):
            if values is not None:
                conditions.append(f"{column} = ANY(%s)")
                params.append(list(values))
        if self.freshness is not None:
            conditions.append("band = ANY(%s)")
            params.append(sorted(BANDS.index(name) for name in self.freshness if name in BANDS))
        else:
            conditions.append("band >= 0" if banded else f"band = {EVERY_BAND}")
        return conditions, params

    def count_sql(self, statuses=None, kinds=None):
        """SQL counting a row's matching sites; `statuses`/`kinds` (index lists) narrow it to one stats column."""
        s = _indexes(self.statuses, STATUSES) if statuses is None else statuses
        k = _indexes(self.kinds, KINDS) if kinds is None else kinds
        o = _indexes(self.ownerships, OWNERSHIPS)
        return _count_sql(*(None if v is None else tuple(v) for v in (s, k, o)))


BANDS = ("fresh", "ageing", "stale")  # frozen into migration 0011 (commons_site_band)
EVERY_BAND = -1  # the rows over every band (migration 0017)
CLOCK_CHECK_SECONDS = 60
_clock = {"until": 0.0}


def _seconds_to_utc_midnight():
    now = dt.datetime.now(dt.timezone.utc)
    return (dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time.min, dt.timezone.utc) - now).total_seconds()


def bands_current(using=None):
    """Whether the aggregates' bands hold for today (UTC, PostgreSQL's clock) and the configured thresholds.
    Checked at most once a minute per worker, and never trusted past midnight."""
    if _clock["until"] > time.monotonic():
        return True
    with connections[using or router.db_for_read(FreshnessClock)].cursor() as cursor:
        cursor.execute("SELECT as_of = (now() AT TIME ZONE 'UTC')::date AND fresh_months = %s AND stale_months = %s "
                       "FROM commons_freshnessclock WHERE id = 1",
                       [settings.REGISTRY_FRESH_MONTHS, settings.REGISTRY_STALE_MONTHS])
        row = cursor.fetchone()
    if row and row[0]:
        _clock["until"] = time.monotonic() + min(CLOCK_CHECK_SECONDS, _seconds_to_utc_midnight())
        return True
    return False


def forget_bands_check():
    """Make the next bands_current() ask the database (after a refresh, and in tests)."""
    _clock["until"] = 0.0


def refresh_bands():
    """Move the sites whose band changed since the clock's day (or thresholds) and set the clock to today:
    returns how many sites moved. Writers to commons_site wait for it; readers do not. Nothing to do (and no
    lock taken) when the bands already hold for today."""
    forget_bands_check()
    if bands_current(using="default"):
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT commons_site_aggregates_refresh_bands(%s, %s)",
                       [settings.REGISTRY_FRESH_MONTHS, settings.REGISTRY_STALE_MONTHS])
        moved = cursor.fetchone()[0]
    forget_bands_check()
    return moved


def tile_grid(z, x, y):
    """(level, shift, cx range, cy range): the stored cells under tile z/x/y, grouped `>> shift` into its
    32 × 32 cells (tiles below zoom 5 group the level-10 cells)."""
    level = max(z + TILE_CELLS_SHIFT, GRID_LEVELS[0])
    if level > GRID_LEVELS[-1]:
        raise ValueError(f"no aggregates for zoom {z}")
    shift = level - (z + TILE_CELLS_SHIFT)
    side = 1 << (TILE_CELLS_SHIFT + shift)
    cx0, cy0 = x * side, ((1 << z) - 1 - y) * side
    return level, shift, (cx0, cx0 + side - 1), (cy0, cy0 + side - 1)


class SiteAggregateQuerySet(models.QuerySet):
    def rebuild(self):
        """Recompute every row from commons_site (writers wait; readers keep the old rows until commit)."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT commons_site_aggregates_rebuild()")
            return cursor.fetchone()[0]

    def add_sites(self, first_id):
        """Count the sites with id >= first_id, loaded while the triggers were disabled."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT commons_site_aggregates_add_sites(%s)", [first_id])

    def cells_sql(self, selection, z, x, y):
        """(SQL, params) of the non-empty cells of tile z/x/y: columns gx, gy, count, x, y (the cell's
        count and the mean Web Mercator position of its matching sites, weighted per row)."""
        level, shift, (x0, x1), (y0, y1) = tile_grid(z, x, y)
        conditions, params = selection.area_conditions()
        where = "".join(f" AND {condition}" for condition in conditions)
        # OFFSET 0 keeps the inner query apart: the count is computed once per row and the arrays (2 KB a row)
        # are not carried into the grouping (measured: a filtered z8 tile sorted 3 MB of them otherwise).
        sql = (
            "SELECT gx, gy, sum(c)::bigint AS count, sum(mx * c) / sum(c) AS x, sum(my * c) / sum(c) AS y FROM ("
            f"SELECT cx >> {shift} AS gx, cy >> {shift} AS gy, sum_x / total AS mx, sum_y / total AS my, "
            f"{selection.count_sql()} AS c FROM commons_siteaggregate "
            f"WHERE level = %s AND cx BETWEEN %s AND %s AND cy BETWEEN %s AND %s AND total > 0{where} OFFSET 0"
            ") cells WHERE c > 0 GROUP BY gx, gy"
        )
        return sql, [level, x0, x1, y0, y1, *params]

    def region_kind_status_counts(self, selection):
        """[(region, kind, status, count)] with count > 0, sorted like the live GROUP BY."""
        s = _indexes(selection.statuses, STATUSES)
        k = _indexes(selection.kinds, KINDS)
        pairs = [(si, ki) for si in (range(len(STATUSES)) if s is None else s)
                 for ki in (range(len(KINDS)) if k is None else k)]
        if not pairs:
            return []
        conditions, params = selection.area_conditions()
        conditions.insert(0, "province <> ''" if selection.by_province else "province = ''")
        columns = ", ".join(f"sum({selection.count_sql(statuses=[si], kinds=[ki])})" for si, ki in pairs)
        sql = (f"SELECT region, {columns} FROM commons_siteaggregate WHERE level = 0 AND "
               f"{' AND '.join(conditions)} GROUP BY region")
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        counts = [(region, KINDS[ki], STATUSES[si], count) for region, *values in rows
                  for (si, ki), count in zip(pairs, values) if count]
        return sorted(counts)

    def region_freshness_counts(self, selection):
        """[(region, freshness name, count)] with count > 0, sorted: the bands as of the clock's day (callers
        check bands_current())."""
        conditions, params = selection.area_conditions(banded=True)
        conditions.insert(0, "province <> ''" if selection.by_province else "province = ''")
        sql = (f"SELECT region, band, sum({selection.count_sql()}) FROM commons_siteaggregate WHERE level = 0 AND "
               f"{' AND '.join(conditions)} GROUP BY region, band")
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return sorted((region, BANDS[band], int(count)) for region, band, count in rows if count)

    def counts_state(self, banded=False):
        """A text that changes whenever a count at level 0 that region × kind × status counts read changes (the
        rows over every band, or per band when `banded`: a freshness filter): the transaction and command that
        wrote each row's current version (xmin, cmin), in key order. A row version is written once, by one
        command of one transaction, so equal texts mean equal counts (also inside a transaction that changes
        the same row twice: the command differs). A confirmation moving a site's band leaves the rows over
        every band unwritten, so unfiltered answers stay kept."""
        with connections[self.db].cursor() as cursor:
            cursor.execute("SELECT coalesce(md5(string_agg(xmin || ':' || cmin, ',' "
                           "ORDER BY region, province, inner_class, band, cx, cy)), '') "
                           f"FROM commons_siteaggregate WHERE level = 0 AND band {'>= 0' if banded else '= %s'}",
                           [] if banded else [EVERY_BAND])
            return cursor.fetchone()[0]

    def count_matching(self, selection):
        """How many visible sites match `selection` (what a COUNT(*) over commons_site would answer)."""
        conditions, params = selection.area_conditions()
        conditions.insert(0, "province <> ''" if selection.by_province else "province = ''")
        with connections[self.db].cursor() as cursor:
            cursor.execute(f"SELECT coalesce(sum({selection.count_sql()}), 0) FROM commons_siteaggregate "
                           f"WHERE level = 0 AND {' AND '.join(conditions)}", params)
            return int(cursor.fetchone()[0])

    def totals(self, area, codes):
        """{code: visible sites} for regions or provinces (area = "region" or "province")."""
        if area not in ("region", "province"):
            raise ValueError(area)
        condition = "province = ''" if area == "region" else "province <> ''"
        with connections[self.db].cursor() as cursor:
            cursor.execute(f"SELECT {area}, sum(total) FROM commons_siteaggregate WHERE level = 0 AND {condition} "
                           f"AND band = %s AND {area} = ANY(%s) GROUP BY {area} HAVING sum(total) > 0",
                           [EVERY_BAND, list(codes)])
            return dict(cursor.fetchall())


class SiteAggregate(models.Model):
    """One key's counts (see the module docstring). Written only by the database triggers."""

    pk = models.CompositePrimaryKey("level", "cx", "cy", "region", "province", "inner_class", "band")
    level = models.SmallIntegerField()
    cx = models.IntegerField()
    cy = models.IntegerField()
    region = models.CharField(max_length=6)
    province = models.CharField(max_length=6, blank=True)
    inner_class = models.CharField(max_length=1, blank=True)
    band = models.SmallIntegerField()  # index in BANDS as of FreshnessClock.as_of, or EVERY_BAND
    total = models.IntegerField()
    sum_x = models.FloatField()
    sum_y = models.FloatField()
    cum_main = ArrayField(models.IntegerField(), size=MAIN_SLOTS)
    cum_ownership = ArrayField(models.IntegerField(), size=OWNERSHIP_SLOTS)

    objects = SiteAggregateQuerySet.as_manager()

    class Meta:
        verbose_name = "site aggregate"

    def __str__(self):
        return (f"level {self.level} ({self.cx}, {self.cy}) {self.region}/{self.province}/{self.inner_class} "
                f"{'every band' if self.band == EVERY_BAND else BANDS[self.band]}")


class FreshnessClock(models.Model):
    """One row (id 1): the day, thresholds and cut-offs the aggregates' bands hold for. Written only by
    refresh_bands (SQL function commons_site_aggregates_refresh_bands), read by the triggers."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    as_of = models.DateField()
    fresh_months = models.PositiveSmallIntegerField()
    stale_months = models.PositiveSmallIntegerField()
    fresh_from = models.DateTimeField()
    stale_before = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="freshness_clock_one_row")]

    def __str__(self):
        return f"bands as of {self.as_of}"


class SiteTermCountQuerySet(models.QuerySet):
    def rebuild(self):
        """Recompute every row from commons_site (writers wait; readers keep the old rows until commit)."""
        with transaction.atomic(), connections[self.db].cursor() as cursor:
            cursor.execute("SELECT commons_site_terms_rebuild()")
            return cursor.fetchone()[0]

    def cells_sql(self, term, z, x, y):
        """(SQL, params) of the non-empty cells of tile z/x/y for the visible sites whose text holds the lexeme
        `term`: columns gx, gy, count, x, y, as SiteAggregate.objects.cells_sql."""
        level, shift, (x0, x1), (y0, y1) = tile_grid(z, x, y)
        sql = (
            "SELECT gx, gy, sum(total)::bigint AS count, sum(sum_x) / sum(total) AS x, sum(sum_y) / sum(total) AS y "
            f"FROM (SELECT cx >> {shift} AS gx, cy >> {shift} AS gy, total, sum_x, sum_y FROM commons_siteterm "
            "WHERE term = %s AND level = %s AND cx BETWEEN %s AND %s AND cy BETWEEN %s AND %s AND total > 0) cells "
            "GROUP BY gx, gy"
        )
        return sql, [term, level, x0, x1, y0, y1]


class SiteTermCount(models.Model):
    """Visible sites whose text (title, description, address as the `q` filter reads it) holds one lexeme, per cell
    of grid levels 10-13: count and the sums of their Web Mercator x and y. Written only by the database triggers
    of migration 0022; low-zoom tiles with a one-lexeme text search read them (mapping.read.tiles)."""

    pk = models.CompositePrimaryKey("term", "level", "cx", "cy")
    term = models.TextField()
    level = models.SmallIntegerField()
    cx = models.IntegerField()
    cy = models.IntegerField()
    total = models.IntegerField()
    sum_x = models.FloatField()
    sum_y = models.FloatField()

    objects = SiteTermCountQuerySet.as_manager()

    class Meta:
        verbose_name = "site term count"
        db_table = "commons_siteterm"
        managed = False

    def __str__(self):
        return f"{self.term} level {self.level} ({self.cx}, {self.cy})"
