from django.core.management.base import BaseCommand

from commons.models.aggregates import refresh_bands
from commons.services.rechecks import recheck_deliver, recheck_enqueue


class Command(BaseCommand):
    help = ("Move the precomputed counts' freshness bands to today, ask the reporter, followers and municipality "
            "staff of sites turning ageing or stale whether they are still dormant, and e-mail those requests once "
            "(run on a schedule, e.g. hourly; safe to run twice at once).")

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="People to e-mail in this run (default 500).")

    def handle(self, *args, limit=500, **options):
        moved = refresh_bands()
        created = recheck_enqueue()
        people, sent = recheck_deliver(limit=limit)
        self.stdout.write(f"{moved} sites changed freshness band; {created} re-check requests created; "
                          f"{people} people processed, {sent} e-mails sent.")
