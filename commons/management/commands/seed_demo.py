from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from commons.models import Municipality
from commons.services.demo import seed_demo


class Command(BaseCommand):
    help = "Create deterministic demo sites, cooperatives and proposals inside real municipalities."

    def add_arguments(self, parser):
        parser.add_argument("--sites", type=int, default=2000)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--reset", action="store_true", help="Replace existing demo content.")

    def handle(self, *args, sites, seed, reset, **options):
        if sites < 1 or sites > 5_000_000:
            raise CommandError("--sites must be between 1 and 5,000,000.")
        if not Municipality.objects.exists():
            raise CommandError("No municipalities loaded: run `manage.py load_boundaries` first.")
        disable = options["verbosity"] == 0
        report = seed_demo(sites=sites, seed=seed, reset=reset,
                           progress=lambda it, **kw: tqdm(it, disable=disable, mininterval=1, **kw))
        if report.skipped:
            self.stdout.write(f"Demo data already present ({report.sites} sites): nothing to do (use --reset).")
            return
        self.stdout.write(self.style.SUCCESS(
            f"Demo data created — {report.sites} sites ({report.outlines} with outlines), "
            f"{report.cooperatives} cooperatives, {report.proposals} proposals (seed {seed})."
        ))
