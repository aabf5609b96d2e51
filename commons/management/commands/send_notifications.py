from django.core.management.base import BaseCommand

from commons.services.subscriptions import warn_expiring
from commons.services.notifications import deliver_pending


class Command(BaseCommand):
    help = "Warn about expiring assignments, then e-mail pending site notices to their followers (run on a schedule)."

    def handle(self, *args, **options):
        warnings = warn_expiring()
        processed, sent = deliver_pending()
        self.stdout.write(f"{warnings} expiry warnings created; {processed} notices processed, {sent} e-mails sent.")
