from django.core.management.base import BaseCommand

from commons.policy import POLICY, STAFF_DECIDES_OWNERSHIP

ROLES = ["anonymous", "citizen", "reporter", "staff_inside", "staff_outside", "coop_member", "coop_admin", "moderator"]


class Command(BaseCommand):
    help = "Print the policy table (who may do what) as Markdown, as shown in the README."

    def handle(self, *args, **options):
        self.stdout.write("| action | " + " | ".join(ROLES) + " |")
        self.stdout.write("|---|" + "---|" * len(ROLES))
        for action, allowed in POLICY.items():
            cells = ["✓" if role in allowed else "" for role in ROLES]
            self.stdout.write(f"| {action} | " + " | ".join(cells) + " |")
        self.stdout.write(
            f"\nstaff_inside decide proposals (and open and conclude consultations) only on sites owned by: "
            f"{', '.join(sorted(STAFF_DECIDES_OWNERSHIP))}; "
            "a reporter edits a site only while it is still `reported`; proposal.support needs a verified e-mail and "
            "is never open to the members of the proposing cooperative; consultation.comment needs a verified e-mail."
        )
