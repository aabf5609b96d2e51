from django.core.management.base import BaseCommand

from commons.services.matching import send_digests


class Command(BaseCommand):
    help = ("Weekly: e-mail each verified cooperative the sites verified in the last seven days that fit it, once per "
            "ISO week (run it daily or weekly; a second run in the same week sends nothing).")

    def handle(self, *args, **options):
        recorded, sent = send_digests()
        self.stdout.write(f"{recorded} digests recorded, {sent} e-mails sent.")
