from django.core.management.base import BaseCommand, CommandError

from commons.services.imports import ImportFailure, run_in_foreground
from commons.services.imports.summary import summary_lines


class Command(BaseCommand):
    help = "Execute a pending import run stored by the web import page (started in the background by the page)."

    def add_arguments(self, parser):
        parser.add_argument("run_id", type=int)

    def handle(self, *args, run_id, **options):
        try:
            run = run_in_foreground(run_id)
        except ImportFailure as exc:
            raise CommandError(f"{exc.message} [{exc.code}]") from None
        self.stdout.write("\n".join(summary_lines(run)))
