"""Recompute the precomputed site counts (commons.models.aggregates) from commons_site.

The database triggers keep them current on every write; run this after loading rows with the triggers disabled
(other than through the demo seeder, which counts its own rows), or to check them: --check compares without
writing and exits 1 on any difference.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from commons.models import SiteAggregate, SiteTermCount


class Command(BaseCommand):
    help = "Recompute the precomputed site counts used by low-zoom tiles, stats and area lists."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true",
                            help="Only compare the stored counts with a fresh computation (exit 1 if they differ).")

    def handle(self, *args, check, **options):
        started = time.monotonic()
        if check:
            differences = self.differences()
            if differences:
                raise CommandError(f"{differences} aggregate keys differ from commons_site: run rebuild_aggregates.")
            self.stdout.write(self.style.SUCCESS("The aggregates match commons_site."))
            return
        rows = SiteAggregate.objects.rebuild()
        terms = SiteTermCount.objects.rebuild()
        self.stdout.write(self.style.SUCCESS(f"Rebuilt {rows} aggregate rows and {terms} term rows in "
                                             f"{time.monotonic() - started:.1f} s."))

    def differences(self):
        """Keys whose stored counts differ from a rebuild done inside a rolled-back transaction."""
        key = "level, cx, cy, region, province, inner_class, band"
        # A stored row may have dropped to zero (the rebuild has none); coordinate sums differ by float residues.
        same = " AND ".join([
            "coalesce(f.total, 0) = coalesce(s.total, 0)",
            "coalesce(f.cum_main, array_fill(0, ARRAY[480])) = coalesce(s.cum_main, array_fill(0, ARRAY[480]))",
            "coalesce(f.cum_ownership, array_fill(0, ARRAY[48])) = coalesce(s.cum_ownership, array_fill(0, ARRAY[48]))",
            "abs(coalesce(f.sum_x, 0) - coalesce(s.sum_x, 0)) < 0.01",
            "abs(coalesce(f.sum_y, 0) - coalesce(s.sum_y, 0)) < 0.01",
        ])
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("CREATE TEMPORARY TABLE stored_aggregates ON COMMIT DROP AS "
                           "SELECT * FROM commons_siteaggregate")
            cursor.execute("SELECT commons_site_aggregates_rebuild()")
            cursor.execute(f"SELECT count(*) FROM commons_siteaggregate f FULL JOIN stored_aggregates s USING ({key}) "
                           f"WHERE NOT ({same})")
            count = cursor.fetchone()[0]
            # The counts per term and cell (migration 0022), compared the same way.
            cursor.execute("CREATE TEMPORARY TABLE stored_terms ON COMMIT DROP AS SELECT * FROM commons_siteterm")
            cursor.execute("SELECT commons_site_terms_rebuild()")
            cursor.execute("SELECT count(*) FROM commons_siteterm f FULL JOIN stored_terms s USING (term, level, cx, cy) "
                           "WHERE NOT (coalesce(f.total, 0) = coalesce(s.total, 0) "
                           "AND abs(coalesce(f.sum_x, 0) - coalesce(s.sum_x, 0)) < 0.01 "
                           "AND abs(coalesce(f.sum_y, 0) - coalesce(s.sum_y, 0)) < 0.01)")
            count += cursor.fetchone()[0]
            transaction.set_rollback(True)
        return count
