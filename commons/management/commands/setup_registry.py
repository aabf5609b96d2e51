from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from commons.models import Region, Site, SiteSource


class Command(BaseCommand):
    help = "First-run set-up: load boundaries and demo data when the database has none (run by `make run`)."

    def add_arguments(self, parser):
        parser.add_argument("--demo-sites", type=int, default=5000)

    def handle(self, *args, demo_sites, **options):
        if Region.objects.exists():
            self.stdout.write("Boundaries already loaded.")
        else:
            call_command("load_boundaries", settings.REGISTRY_BOUNDARIES_DIR or None, verbosity=options["verbosity"])
        if Site.objects.filter(source=SiteSource.DEMO).exists():
            self.stdout.write("Demo data already loaded.")
        else:
            call_command("seed_demo", sites=demo_sites, verbosity=options["verbosity"])
