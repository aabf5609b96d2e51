"""Italy's territory in the database: the SQL function commons_territory_gap, which every write path calls
through commons.services.territory, and a constraint trigger that refuses a site outside it even from the shell.

A CHECK constraint cannot express the rule (it may not read other tables: the municipalities and the enclaves),
so a trigger does. It is a constraint trigger (AFTER, per row) so that the plain CHECKs on the row, such as
site_location_in_italy, speak first, and an UPDATE only pays for it when the geometry changed.

The outline size limit is not enforced here: it is an operator setting (REGISTRY_MAX_OUTLINE_KM2) that a frozen
migration would contradict as soon as it changed, and since 0006 no outline size can make a write fail.
"""

from django.db import migrations

# Frozen copy of commons.services.territory.COAST_TOLERANCE_M: a change there needs a migration recreating the
# triggers below with the new value.
COAST_TOLERANCE_M = 1000

GAP_SQL = """
CREATE OR REPLACE FUNCTION commons_territory_gap(g geometry, tolerance_m double precision) RETURNS geometry
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE AS $$
-- The part of g (EPSG:4326) outside Italy's territory, NULL when none: outside every municipality by more than
-- tolerance_m metres, or inside a foreign enclave whatever the tolerance. A point is measured on the sphere like
-- the spatial join of commons.services.sites; a polygon against the municipalities around it (clipped to its box
-- widened by the tolerance, which holds the nearest land of each of its points) buffered by tolerance_m.
DECLARE
  margin double precision := tolerance_m
      / (111320 * greatest(cos(radians(greatest(abs(ST_YMin(g)), abs(ST_YMax(g))) + 1)), 0.01));
  box geometry := ST_Expand(ST_Envelope(g), margin);
  foreign_part geometry;
  land geometry;
  far geometry;
BEGIN
  SELECT ST_Union(ST_Intersection(e.geom, g)) INTO foreign_part
  FROM commons_enclave e WHERE ST_Intersects(e.geom, g);
  IF ST_Dimension(g) = 0 THEN
    IF foreign_part IS NULL AND NOT EXISTS (
        SELECT 1 FROM commons_municipality m
        WHERE ST_DWithin(m.geom, g, margin) AND ST_DistanceSphere(m.geom, g) <= tolerance_m) THEN
      RETURN g;
    END IF;
    RETURN foreign_part;
  END IF;
  SELECT ST_Union(ST_Intersection(m.geom, box)) INTO land FROM commons_municipality m WHERE ST_Intersects(m.geom, box);
  IF land IS NULL THEN
    far := g;
  ELSE
    far := ST_Difference(g, land);
    IF NOT ST_IsEmpty(far) THEN
      far := ST_Difference(far, ST_Buffer(land::geography, tolerance_m)::geometry);
    END IF;
  END IF;
  far := ST_CollectionExtract(ST_Collect(far, foreign_part), 3);
  -- Below a square metre it is rounding where edges meet, not a place.
  IF ST_IsEmpty(far) OR ST_Area(far::geography) < 1 THEN
    RETURN NULL;
  END IF;
  RETURN far;
END $$;
"""

TRIGGER_SQL = f"""
CREATE OR REPLACE FUNCTION commons_site_in_territory() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF commons_territory_gap(NEW.location, TG_ARGV[0]::double precision) IS NOT NULL
      OR commons_territory_gap(NEW.outline, TG_ARGV[0]::double precision) IS NOT NULL THEN
    RAISE EXCEPTION 'new row for relation "commons_site" violates constraint "site_in_territory"'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'site_in_territory', TABLE = 'commons_site',
            DETAIL = format('Site %s lies outside Italy or in San Marino or Vatican City.', NEW.id);
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER site_in_territory AFTER INSERT ON commons_site
  FOR EACH ROW EXECUTE FUNCTION commons_site_in_territory('{COAST_TOLERANCE_M}');
CREATE CONSTRAINT TRIGGER site_in_territory_update AFTER UPDATE OF location, outline ON commons_site
  FOR EACH ROW WHEN (OLD.location IS DISTINCT FROM NEW.location OR OLD.outline IS DISTINCT FROM NEW.outline)
  EXECUTE FUNCTION commons_site_in_territory('{COAST_TOLERANCE_M}');
"""

REVERSE_SQL = """
DROP TRIGGER site_in_territory_update ON commons_site;
DROP TRIGGER site_in_territory ON commons_site;
DROP FUNCTION commons_site_in_territory();
DROP FUNCTION commons_territory_gap(geometry, double precision);
"""


class Migration(migrations.Migration):

    dependencies = [
        ("commons", "0007_enclaves"),
    ]

    operations = [
        migrations.RunSQL(GAP_SQL + TRIGGER_SQL, REVERSE_SQL),
    ]
