"""Remove the Idempotency-Key records older than REGISTRY_IDEMPOTENCY_HOURS (24 by default): run it hourly."""

from django.conf import settings
from django.core.management.base import BaseCommand

from commons.services.idempotency import idempotency_expire


class Command(BaseCommand):
    help = "Remove idempotency keys older than REGISTRY_IDEMPOTENCY_HOURS; a removed key is new again."

    def handle(self, *args, **options):
        removed = idempotency_expire()
        self.stdout.write(f"Removed {removed} idempotency key(s) older than {settings.REGISTRY_IDEMPOTENCY_HOURS} h.")
