"""The precomputed counts split by freshness band (see commons/models/aggregates.py): the key gains `band` (0 fresh,
1 ageing, 2 stale), computed by commons_site_band(last_confirmed_at) against the one row of commons_freshnessclock;
commons_site_aggregates_refresh_bands(fresh_months, stale_months) moves the sites whose band changed since the
clock's day and sets the clock to today. The table is derived data: it is recreated and rebuilt here.

The rest is 0003's SQL with the band added to every key (frozen copies: a change needs a new migration)."""

import importlib

import django.contrib.postgres.fields
from django.db import migrations, models

PREVIOUS = importlib.import_module("commons.migrations.0003_site_aggregates")

# Frozen copies of the value lists in commons/models/aggregates.py (slot order matters: status major, then kind,
# then ownership). A change of Site's choices needs a new migration recreating the functions below.
STATUSES = ["reported", "verified", "assigned", "in_reuse", "rejected", "archived"]
KINDS = ["building", "land", "village", "natural", "cultural", "urban_complex", "periphery", "industrial",
         "infrastructure", "other"]
OWNERSHIPS = ["state", "region", "municipality", "other_public", "private", "confiscated", "ecclesiastical",
              "unknown"]
WORLD = "20037508.342789244"
# (grid level, split by province and inner-areas class); level 0 is the whole world (one cell). Every key is
# also split by band (0 fresh, 1 ageing, 2 stale: commons_site_band, as of the freshness clock).
KEYS = "(0, false), (0, true), (10, true), (11, true), (12, true), (13, true)"


def _position(values, column):
    listed = ", ".join(f"'{value}'" for value in values)
    return f"(array_position(ARRAY[{listed}]::text[], {column}::text) - 1)"


MAIN_SLOT = (f"({_position(STATUSES, 'src.status')} * {len(KINDS)} + {_position(KINDS, 'src.kind')}) "
             f"* {len(OWNERSHIPS)} + {_position(OWNERSHIPS, 'src.ownership')} + 1")
OWNERSHIP_SLOT = f"{_position(OWNERSHIPS, 'src.ownership')} * {len(STATUSES)} + {_position(STATUSES, 'src.status')} + 1"
MAIN_SIZE = len(STATUSES) * len(KINDS) * len(OWNERSHIPS)
OWNERSHIP_SIZE = len(OWNERSHIPS) * len(STATUSES)
VISIBLE = "NOT s.hidden AND s.status <> 'duplicate'"
SITE_COLUMNS = "s.kind, s.status, s.ownership, s.region_id, s.province_id"
BAND = "commons_site_band(s.last_confirmed_at)"
POSITION = "ST_X(s.location_3857) AS x, ST_Y(s.location_3857) AS y"
# What changes a site's place in the aggregates (an UPDATE touching none of these changes no count).
COUNTED = ("s.kind, s.status, s.ownership, s.hidden, s.region_id, s.province_id, s.municipality_id, s.location_3857, "
           f"{BAND}")


# The defaults of REGISTRY_FRESH_MONTHS / REGISTRY_STALE_MONTHS; other settings take effect at the first refresh.
FRESH_MONTHS, STALE_MONTHS = 12, 24
TODAY = "(now() AT TIME ZONE 'UTC')::date"
CLOCK = f"""
INSERT INTO commons_freshnessclock (id, as_of, fresh_months, stale_months, fresh_from, stale_before)
VALUES (1, {TODAY}, {FRESH_MONTHS}, {STALE_MONTHS},
        ({TODAY} - interval '{FRESH_MONTHS} months' + interval '1 day') AT TIME ZONE 'UTC',
        ({TODAY} - interval '{STALE_MONTHS} months') AT TIME ZONE 'UTC')
ON CONFLICT (id) DO NOTHING;

-- The band of a confirmation time as of the clock's day: 0 fresh, 1 ageing, 2 stale. Without a clock row (an
-- emptied table: the counts are not trusted for freshness then, and the next refresh rebuilds them) as of today
-- with the default thresholds, so that writes never fail.
CREATE OR REPLACE FUNCTION commons_site_band(ts timestamptz) RETURNS smallint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT (CASE WHEN ts >= c.fresh_from THEN 0 WHEN ts >= c.stale_before THEN 1 ELSE 2 END)::smallint
  FROM (SELECT coalesce((SELECT fresh_from FROM commons_freshnessclock WHERE id = 1),
                        ({TODAY} - interval '{FRESH_MONTHS} months' + interval '1 day') AT TIME ZONE 'UTC') AS fresh_from,
               coalesce((SELECT stale_before FROM commons_freshnessclock WHERE id = 1),
                        ({TODAY} - interval '{STALE_MONTHS} months') AT TIME ZONE 'UTC') AS stale_before) c
$$;
"""


def _band_between(fresh, stale):
    return f"(CASE WHEN s.last_confirmed_at >= {fresh} THEN 0 WHEN s.last_confirmed_at >= {stale} THEN 1 ELSE 2 END)"


CROSSED = ("((s.last_confirmed_at >= least(old_fresh, new_fresh) AND s.last_confirmed_at < greatest(old_fresh, new_fresh))"
           " OR (s.last_confirmed_at >= least(old_stale, new_stale) AND s.last_confirmed_at < greatest(old_stale, new_stale)))")


def apply_sql(source, band="src.band", join="", having=""):
    """Add to the aggregates the rows of `source` (columns sign, kind, status, ownership, region_id, province_id,
    band, inner_class, x, y; sign -1 removes). Rows are upserted in key order so concurrent writers cannot deadlock.
    `band`, `join` and `having` let migration 0017 add rows over every band and skip keys a write leaves as they are."""
    return f"""
WITH src AS ({source}),
keyed AS (
  SELECT g.level,
    CASE WHEN g.level = 0 THEN 0 ELSE floor((src.x + {WORLD}) / (2 * {WORLD} / 2 ^ g.level))::integer END AS cx,
    CASE WHEN g.level = 0 THEN 0 ELSE floor((src.y + {WORLD}) / (2 * {WORLD} / 2 ^ g.level))::integer END AS cy,
    src.region_id AS region,
    CASE WHEN g.by_province THEN src.province_id ELSE '' END AS province,
    CASE WHEN g.by_province THEN coalesce(src.inner_class, '') ELSE '' END AS inner_class,
    {band},
    coalesce({MAIN_SLOT}, commons_site_aggregate_unknown(src.kind, src.status, src.ownership)) AS slot,
    {OWNERSHIP_SLOT} AS ownership_slot,
    src.sign, src.x, src.y
  FROM src CROSS JOIN (VALUES {KEYS}) AS g(level, by_province){join}
),
slots AS (
  SELECT level, cx, cy, region, province, inner_class, band, slot, ownership_slot,
    sum(sign)::integer AS n, sum(sign * x) AS sx, sum(sign * y) AS sy
  FROM keyed GROUP BY level, cx, cy, region, province, inner_class, band, slot, ownership_slot
),
keys AS (
  SELECT level, cx, cy, region, province, inner_class, band, sum(n)::integer AS total, sum(sx) AS sum_x,
    sum(sy) AS sum_y,
    commons_site_aggregate_prefix(array_agg(slot) FILTER (WHERE n <> 0), array_agg(n) FILTER (WHERE n <> 0),
                                  {MAIN_SIZE}) AS cum_main,
    commons_site_aggregate_prefix(array_agg(ownership_slot) FILTER (WHERE n <> 0),
                                  array_agg(n) FILTER (WHERE n <> 0), {OWNERSHIP_SIZE}) AS cum_ownership
  FROM slots GROUP BY level, cx, cy, region, province, inner_class, band{having}
)
INSERT INTO commons_siteaggregate AS a
  (level, cx, cy, region, province, inner_class, band, total, sum_x, sum_y, cum_main, cum_ownership)
SELECT * FROM keys ORDER BY level, cx, cy, region, province, inner_class, band
ON CONFLICT (level, cx, cy, region, province, inner_class, band) DO UPDATE SET
  total = a.total + EXCLUDED.total, sum_x = a.sum_x + EXCLUDED.sum_x, sum_y = a.sum_y + EXCLUDED.sum_y,
  cum_main = commons_int_array_add(a.cum_main, EXCLUDED.cum_main),
  cum_ownership = commons_int_array_add(a.cum_ownership, EXCLUDED.cum_ownership)"""


def sites(relation, sign, condition="TRUE", band=BAND):
    return (f"SELECT {sign} AS sign, {SITE_COLUMNS}, {band} AS band, m.inner_area_class AS inner_class, {POSITION} "
            f"FROM {relation} s JOIN commons_municipality m ON m.code = s.municipality_id "
            f"WHERE {VISIBLE} AND {condition}")


def unchanged_in(other):
    counted = ", ".join(column.replace("s.", "o.") for column in COUNTED.split(", "))
    return f"NOT EXISTS (SELECT 1 FROM {other} o WHERE o.id = s.id AND ({COUNTED}) IS NOT DISTINCT FROM ({counted}))"


def moved_between_classes(sign, side):
    """Sites of municipalities whose inner-areas class changed, with the class of `side` (old or new)."""
    return (f"SELECT {sign} AS sign, {SITE_COLUMNS}, {BAND} AS band, {side}.inner_area_class AS inner_class, "
            f"{POSITION} "
            "FROM old_rows o JOIN new_rows n ON n.code = o.code JOIN commons_site s ON s.municipality_id = o.code "
            f"WHERE o.inner_area_class IS DISTINCT FROM n.inner_area_class AND {VISIBLE}")


def build(apply_sql):
    """(HELPERS, TRIGGERS, REFRESH): the SQL functions writing the aggregates through `apply_sql` (migration
    0017 builds them again with its own)."""
    def trigger_function(name, source):
        return (f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
                f"{apply_sql(source)};\n  RETURN NULL;\nEND $$;")


    HELPERS = f"""
ALTER TABLE commons_siteaggregate ALTER COLUMN cum_main SET STORAGE PLAIN,
  ALTER COLUMN cum_ownership SET STORAGE PLAIN;

-- Dense cumulative counts from sparse (slot, count) pairs.
CREATE OR REPLACE FUNCTION commons_site_aggregate_prefix(slots integer[], counts integer[], size integer)
RETURNS integer[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  result integer[] := array_fill(0, ARRAY[size]);
  running integer := 0;
BEGIN
  FOR i IN 1 .. coalesce(array_length(slots, 1), 0) LOOP
    result[slots[i]] := result[slots[i]] + counts[i];
  END LOOP;
  FOR i IN 1 .. size LOOP
    running := running + result[i];
    result[i] := running;
  END LOOP;
  RETURN result;
END $$;

-- Element by element (a PL/pgSQL loop on an expanded array: twice as fast as unnest in SQL, measured).
CREATE OR REPLACE FUNCTION commons_int_array_add(a integer[], b integer[]) RETURNS integer[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  FOR i IN 1 .. array_length(a, 1) LOOP
    a[i] := a[i] + b[i];
  END LOOP;
  RETURN a;
END $$;

-- A value the slot lists do not know would be counted nowhere: refuse the write instead.
CREATE OR REPLACE FUNCTION commons_site_aggregate_unknown(kind text, status text, ownership text)
RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'site aggregates do not know kind %, status % or ownership %: a migration must recreate '
    'the aggregate functions with the new values', kind, status, ownership;
END $$;

CREATE OR REPLACE FUNCTION commons_site_aggregates_rebuild() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  LOCK TABLE commons_site, commons_municipality IN SHARE MODE;  -- writers wait, readers go on
  DELETE FROM commons_siteaggregate;
  {apply_sql(sites("commons_site", 1))};
  RETURN (SELECT count(*) FROM commons_siteaggregate);
END $$;

CREATE OR REPLACE FUNCTION commons_site_aggregates_add_sites(first_id bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  {apply_sql(sites("commons_site", 1, "s.id >= first_id"))};
END $$;
"""

    TRIGGERS = "\n".join([
        trigger_function("commons_site_aggregates_inserted", sites("new_rows", 1)),
        trigger_function("commons_site_aggregates_deleted", sites("old_rows", -1)),
        trigger_function("commons_site_aggregates_updated", f"{sites('old_rows', -1, unchanged_in('new_rows'))} "
                                                            f"UNION ALL {sites('new_rows', 1, unchanged_in('old_rows'))}"),
        trigger_function("commons_municipality_aggregates_updated",
                         f"{moved_between_classes(-1, 'o')} UNION ALL {moved_between_classes(1, 'n')}"),
        """
CREATE OR REPLACE FUNCTION commons_site_aggregates_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM commons_siteaggregate;
  RETURN NULL;
END $$;

CREATE TRIGGER commons_site_aggregates_insert AFTER INSERT ON commons_site
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION commons_site_aggregates_inserted();
CREATE TRIGGER commons_site_aggregates_update AFTER UPDATE ON commons_site
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION commons_site_aggregates_updated();
CREATE TRIGGER commons_site_aggregates_delete AFTER DELETE ON commons_site
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION commons_site_aggregates_deleted();
CREATE TRIGGER commons_site_aggregates_truncate AFTER TRUNCATE ON commons_site
  FOR EACH STATEMENT EXECUTE FUNCTION commons_site_aggregates_truncated();
CREATE TRIGGER commons_municipality_aggregates_update AFTER UPDATE ON commons_municipality
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION commons_municipality_aggregates_updated();

SELECT commons_site_aggregates_rebuild();
"""])


    REFRESH = f"""
CREATE OR REPLACE FUNCTION commons_site_aggregates_refresh_bands(p_fresh_months integer, p_stale_months integer)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  today date := {TODAY};
  new_fresh timestamptz := (today - make_interval(months => p_fresh_months) + interval '1 day') AT TIME ZONE 'UTC';
  new_stale timestamptz := (today - make_interval(months => p_stale_months)) AT TIME ZONE 'UTC';
  old_fresh timestamptz;
  old_stale timestamptz;
  moved bigint := 0;
BEGIN
  LOCK TABLE commons_site IN SHARE ROW EXCLUSIVE MODE;  -- writers (and their triggers) wait, readers go on
  SELECT fresh_from, stale_before INTO old_fresh, old_stale FROM commons_freshnessclock WHERE id = 1 FOR UPDATE;
  IF old_fresh IS NULL THEN  -- no clock (an emptied table): start one and count everything again
    INSERT INTO commons_freshnessclock (id, as_of, fresh_months, stale_months, fresh_from, stale_before)
    VALUES (1, today, p_fresh_months, p_stale_months, new_fresh, new_stale);
    PERFORM commons_site_aggregates_rebuild();
    RETURN (SELECT count(*) FROM commons_site);
  END IF;
  IF old_fresh IS DISTINCT FROM new_fresh OR old_stale IS DISTINCT FROM new_stale THEN
    SELECT count(*) INTO moved FROM commons_site s WHERE {CROSSED};
    {apply_sql(sites("commons_site", -1, CROSSED, _band_between("old_fresh", "old_stale"))
               + " UNION ALL " + sites("commons_site", 1, CROSSED, _band_between("new_fresh", "new_stale")))};
  END IF;
  UPDATE commons_freshnessclock SET as_of = today, fresh_months = p_fresh_months, stale_months = p_stale_months,
    fresh_from = new_fresh,
    stale_before = new_stale WHERE id = 1;
  RETURN moved;
END $$;
"""
    return HELPERS, TRIGGERS, REFRESH


DROP = """
DROP TRIGGER IF EXISTS commons_site_aggregates_insert ON commons_site;
DROP TRIGGER IF EXISTS commons_site_aggregates_update ON commons_site;
DROP TRIGGER IF EXISTS commons_site_aggregates_delete ON commons_site;
DROP TRIGGER IF EXISTS commons_site_aggregates_truncate ON commons_site;
DROP TRIGGER IF EXISTS commons_municipality_aggregates_update ON commons_municipality;
DROP FUNCTION IF EXISTS commons_site_aggregates_inserted(), commons_site_aggregates_deleted(),
  commons_site_aggregates_updated(), commons_site_aggregates_truncated(), commons_municipality_aggregates_updated(),
  commons_site_aggregates_rebuild(), commons_site_aggregates_add_sites(bigint),
  commons_site_aggregate_unknown(text, text, text), commons_int_array_add(integer[], integer[]),
  commons_site_aggregate_prefix(integer[], integer[], integer);
"""

HELPERS, TRIGGERS, REFRESH = build(apply_sql)

DROP = DROP.replace("commons_site_aggregates_rebuild(),", "commons_site_aggregates_rebuild(), "
                    "commons_site_aggregates_refresh_bands(integer, integer), commons_site_band(timestamptz),")





class Migration(migrations.Migration):

    dependencies = [
        ('commons', '0010_ground_truth'),
    ]

    operations = [
        migrations.RunSQL(PREVIOUS.DROP, PREVIOUS.HELPERS + PREVIOUS.TRIGGERS),
        migrations.DeleteModel(name='SiteAggregate'),
        migrations.CreateModel(
            name='SiteAggregate',
            fields=[
                ('pk', models.CompositePrimaryKey('level', 'cx', 'cy', 'region', 'province', 'inner_class', 'band', blank=True, editable=False, primary_key=True, serialize=False)),
                ('level', models.SmallIntegerField()),
                ('cx', models.IntegerField()),
                ('cy', models.IntegerField()),
                ('region', models.CharField(max_length=6)),
                ('province', models.CharField(blank=True, max_length=6)),
                ('inner_class', models.CharField(blank=True, max_length=1)),
                ('band', models.SmallIntegerField()),
                ('total', models.IntegerField()),
                ('sum_x', models.FloatField()),
                ('sum_y', models.FloatField()),
                ('cum_main', django.contrib.postgres.fields.ArrayField(base_field=models.IntegerField(), size=480)),
                ('cum_ownership', django.contrib.postgres.fields.ArrayField(base_field=models.IntegerField(), size=48)),
            ],
            options={
                'verbose_name': 'site aggregate',
            },
        ),
        migrations.RunSQL(CLOCK + HELPERS + REFRESH + TRIGGERS, DROP),
    ]
