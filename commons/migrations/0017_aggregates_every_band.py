"""The precomputed counts keep, beside each key's rows per freshness band (0011), one row over every band
(band = -1): what 0003's key held. Reads without a freshness filter read those rows, as many as before 0011;
reads with one read the banded rows. Measured at 100k sites (bench/README.md): with every key split by band an
unfiltered z5 tile read up to three times the rows and its SQL went 1.03 → 2.06 ms.

Writes also skip the keys they leave unchanged: a site changing only its band (a confirmation, the daily
refresh) adds -1 and +1 to the same every-band key, which is not written at all.

The functions are 0011's, built again with those two changes (frozen: a change needs a new migration)."""

import importlib

from django.db import migrations

PREVIOUS = importlib.import_module("commons.migrations.0011_aggregates_by_freshness")

EVERY_BAND = -1  # commons.models.aggregates.EVERY_BAND


def apply_sql(source):
    return PREVIOUS.apply_sql(
        source,
        band=f"CASE WHEN b.every_band THEN {EVERY_BAND} ELSE src.band END AS band",
        join=" CROSS JOIN (VALUES (false), (true)) AS b(every_band)",
        # -x + x is exactly 0.0: a key whose counts and sums all cancel out is left as it is.
        having="\n  HAVING bool_or(n <> 0) OR sum(sx) <> 0 OR sum(sy) <> 0",
    )


HELPERS, TRIGGERS, REFRESH = PREVIOUS.build(apply_sql)


class Migration(migrations.Migration):

    dependencies = [
        ('commons', '0016_proposal_covers'),
    ]

    operations = [
        migrations.RunSQL(PREVIOUS.DROP + PREVIOUS.CLOCK + HELPERS + REFRESH + TRIGGERS,
                          PREVIOUS.DROP + PREVIOUS.CLOCK + PREVIOUS.HELPERS + PREVIOUS.REFRESH + PREVIOUS.TRIGGERS),
    ]
