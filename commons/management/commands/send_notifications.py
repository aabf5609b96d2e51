from django.core.management.base import BaseCommand

from commons.services.milestones import warn_overdue
from commons.services.notifications import deliver_pending
from commons.services.subscriptions import warn_expiring


class Command(BaseCommand):
    help = ("Warn about expiring assignments and overdue pathway milestones, then e-mail pending site notices to their "
            "followers and cooperatives (run on a schedule).")

    def handle(self, *args, **options):
        warnings = warn_expiring()
        overdue = warn_overdue()
        processed, sent = deliver_pending()
        self.stdout.write(f"{warnings} expiry warnings created; {overdue} overdue milestone warnings created; "
                          f"{processed} notices processed, {sent} e-mails sent.")
