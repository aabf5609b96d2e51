"""Precomputed counts per search term and grid cell (commons.models.aggregates.SiteTermCount): for every lexeme of
a visible site's text (the same to_tsvector('italian', title || description || address) as the GIN index
`site_text_search` and the `q` filter), one row per cell of grid levels 10-13 with the number of such sites and the
sums of their Web Mercator x and y. A low-zoom tile with `q` of one lexeme (`mulino`, `scuola`) reads at most
32 x 32 rows instead of aggregating up to ~100k matching sites live (bench/README.md: 280-300 ms p95 at z5).

Kept by statement-level triggers on commons_site (insert, update, delete, truncate), upserted in key order (no
deadlock between writers); an update that changes neither the text, the place nor the visibility of a site writes
nothing. Bulk loads with the triggers disabled call commons_site_terms_add_sites(first_id) (the demo seeder does);
commons_site_terms_rebuild() recomputes everything (manage.py rebuild_aggregates)."""

from django.db import migrations, models

WORLD = "20037508.342789244"
LEVELS = "(10), (11), (12), (13)"  # commons.models.aggregates.GRID_LEVELS
FINEST = 13
VISIBLE = "NOT s.hidden AND s.status <> 'duplicate'"
# What Django compiles SearchVector("title", "description", "address", config="italian") to (commons.search).
LEXEMES = ("tsvector_to_array(to_tsvector('italian'::regconfig, COALESCE((s.title)::text, '') || ' ' || "
           "COALESCE((s.description)::text, '') || ' ' || COALESCE((s.address)::text, '')))")
# What places a site in these counts: an UPDATE changing none of these changes no row.
COUNTED = f"s.title, s.description, s.address, s.location_3857, ({VISIBLE})"


def apply_sql(source):
    """Add the rows of `source` (columns sign, terms, x, y; sign -1 removes), in key order; keys whose counts and
    sums cancel out (-x + x is exactly 0.0) are not written. Grouped once per level-13 cell, then rolled up: the
    cell of level l is the level-13 cell >> (13 - l) (dividing by a power of two is exact in floating point, so
    this is floor((x + W) / side(l)), the aggregates' formula); a rebuild at 1M sites groups ~15M (site, term)
    pairs once instead of four times."""
    return f"""
WITH src AS ({source}),
fine AS (
  SELECT t.term,
    floor((src.x + {WORLD}) / (2 * {WORLD} / 2 ^ {FINEST}))::integer AS cx,
    floor((src.y + {WORLD}) / (2 * {WORLD} / 2 ^ {FINEST}))::integer AS cy,
    sum(src.sign)::integer AS total, sum(src.sign * src.x) AS sum_x, sum(src.sign * src.y) AS sum_y
  FROM src CROSS JOIN unnest(src.terms) AS t(term)
  GROUP BY 1, 2, 3
),
keys AS (
  SELECT fine.term, g.level, fine.cx >> ({FINEST} - g.level) AS cx, fine.cy >> ({FINEST} - g.level) AS cy,
    sum(fine.total)::integer AS total, sum(fine.sum_x) AS sum_x, sum(fine.sum_y) AS sum_y
  FROM fine CROSS JOIN (VALUES {LEVELS}) AS g(level)
  GROUP BY 1, 2, 3, 4
  HAVING sum(fine.total) <> 0 OR sum(fine.sum_x) <> 0 OR sum(fine.sum_y) <> 0
)
INSERT INTO commons_siteterm AS a (term, level, cx, cy, total, sum_x, sum_y)
SELECT * FROM keys ORDER BY term, level, cx, cy
ON CONFLICT (term, level, cx, cy) DO UPDATE SET
  total = a.total + EXCLUDED.total, sum_x = a.sum_x + EXCLUDED.sum_x, sum_y = a.sum_y + EXCLUDED.sum_y"""


def sites(relation, sign, condition="TRUE"):
    return (f"SELECT {sign} AS sign, {LEXEMES} AS terms, ST_X(s.location_3857) AS x, ST_Y(s.location_3857) AS y "
            f"FROM {relation} s WHERE {VISIBLE} AND {condition}")


def unchanged_in(other):
    counted = COUNTED.replace("s.", "o.")
    return f"NOT EXISTS (SELECT 1 FROM {other} o WHERE o.id = s.id AND ({COUNTED}) IS NOT DISTINCT FROM ({counted}))"


def trigger_function(name, source):
    return (f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
            f"{apply_sql(source)};\n  RETURN NULL;\nEND $$;\n")


TABLE = """
CREATE TABLE commons_siteterm (
  term text NOT NULL,
  level smallint NOT NULL,
  cx integer NOT NULL,
  cy integer NOT NULL,
  total integer NOT NULL,
  sum_x double precision NOT NULL,
  sum_y double precision NOT NULL,
  -- A tile reads one term's cells of one level in a cx range: an index-only scan when the pages are all-visible.
  CONSTRAINT commons_siteterm_pk PRIMARY KEY (term, level, cx, cy) INCLUDE (total, sum_x, sum_y)
);
"""

FUNCTIONS = f"""
CREATE FUNCTION commons_site_terms_rebuild() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  LOCK TABLE commons_site IN SHARE MODE;  -- writers wait, readers go on
  PERFORM set_config('work_mem', '256MB', true);  -- group ~15M (site, term) pairs in memory at 1M sites
  DELETE FROM commons_siteterm;
  {apply_sql(sites("commons_site", 1))};
  RETURN (SELECT count(*) FROM commons_siteterm);
END $$;

CREATE FUNCTION commons_site_terms_add_sites(first_id bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('work_mem', '256MB', true);
  {apply_sql(sites("commons_site", 1, "s.id >= first_id"))};
END $$;

{trigger_function("commons_site_terms_inserted", sites("new_rows", 1))}
{trigger_function("commons_site_terms_deleted", sites("old_rows", -1))}
{trigger_function("commons_site_terms_updated", f"{sites('old_rows', -1, unchanged_in('new_rows'))} "
                                                f"UNION ALL {sites('new_rows', 1, unchanged_in('old_rows'))}")}
CREATE FUNCTION commons_site_terms_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM commons_siteterm;
  RETURN NULL;
END $$;

CREATE TRIGGER commons_site_terms_insert AFTER INSERT ON commons_site
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION commons_site_terms_inserted();
CREATE TRIGGER commons_site_terms_update AFTER UPDATE ON commons_site
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION commons_site_terms_updated();
CREATE TRIGGER commons_site_terms_delete AFTER DELETE ON commons_site
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION commons_site_terms_deleted();
CREATE TRIGGER commons_site_terms_truncate AFTER TRUNCATE ON commons_site
  FOR EACH STATEMENT EXECUTE FUNCTION commons_site_terms_truncated();

SELECT commons_site_terms_rebuild();
"""

DROP = """
DROP TRIGGER IF EXISTS commons_site_terms_insert ON commons_site;
DROP TRIGGER IF EXISTS commons_site_terms_update ON commons_site;
DROP TRIGGER IF EXISTS commons_site_terms_delete ON commons_site;
DROP TRIGGER IF EXISTS commons_site_terms_truncate ON commons_site;
DROP FUNCTION IF EXISTS commons_site_terms_inserted(), commons_site_terms_deleted(), commons_site_terms_updated(),
  commons_site_terms_truncated(), commons_site_terms_rebuild(), commons_site_terms_add_sites(bigint);
DROP TABLE IF EXISTS commons_siteterm;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('commons', '0018_recheck_area_followers'),
    ]

    operations = [
        migrations.RunSQL(
            TABLE + FUNCTIONS, DROP,
            state_operations=[
                migrations.CreateModel(
                    name='SiteTermCount',
                    fields=[
                        ('pk', models.CompositePrimaryKey('term', 'level', 'cx', 'cy', blank=True, editable=False,
                                                          primary_key=True, serialize=False)),
                        ('term', models.TextField()),
                        ('level', models.SmallIntegerField()),
                        ('cx', models.IntegerField()),
                        ('cy', models.IntegerField()),
                        ('total', models.IntegerField()),
                        ('sum_x', models.FloatField()),
                        ('sum_y', models.FloatField()),
                    ],
                    options={'verbose_name': 'site term count', 'db_table': 'commons_siteterm',
                             'managed': False},
                ),
            ],
        ),
    ]
