"""Reuse proposals that cooperatives submit for verified sites."""

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ReuseCategory(models.TextChoices):
    SOCIAL_HOUSING = "social_housing", _("Social housing")
    AGRICULTURE = "agriculture", _("Agriculture")
    ENERGY_COMMUNITY = "energy_community", _("Energy community")
    CULTURE = "culture", _("Culture")
    TOURISM = "tourism", _("Tourism")
    WELFARE = "welfare", _("Welfare")
    EDUCATION = "education", _("Education")
    SPORT = "sport", _("Sport")
    CRAFTS = "crafts", _("Crafts and production")
    SERVICES = "services", _("Services")
    ENVIRONMENT = "environment", _("Environment")
    OTHER = "other", _("Other")


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    COMPLETED = "completed", _("Completed")


class LegalInstrument(models.TextChoices):
    CONCESSIONE = "concessione", _("Concession (concessione)")
    COMODATO = "comodato", _("Free loan for use (comodato d'uso gratuito)")
    PATTO = "patto", _("Collaboration pact (patto di collaborazione)")
    LOCAZIONE = "locazione", _("Lease (locazione)")
    CONFISCATED = "confiscated", _("Assignment of a confiscated asset")
    CONVENZIONE = "convenzione", _("Agreement (convenzione)")


PROPOSAL_HISTORY_FIELDS = [
    "site", "cooperative", "title", "reuse_category", "status", "decision_reason", "legal_instrument",
    "instrument_start", "instrument_end", "version", "pathway",
]


@pghistory.track(
    pghistory.InsertEvent("proposal.create"),
    pghistory.UpdateEvent("proposal.update", condition=pghistory.AnyChange(*PROPOSAL_HISTORY_FIELDS)),
    fields=PROPOSAL_HISTORY_FIELDS,
    model_name="ProposalEvent",
    obj_field=pghistory.ObjForeignKey(related_name="events"),
)
class Proposal(models.Model):
    site = models.ForeignKey("commons.Site", on_delete=models.PROTECT, related_name="proposals")
    cooperative = models.ForeignKey("commons.Cooperative", on_delete=models.PROTECT, related_name="proposals")
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"))
    reuse_category = models.CharField(_("reuse category"), max_length=20, choices=ReuseCategory.choices)
    expected_jobs = models.PositiveIntegerField(_("expected jobs"), null=True, blank=True)
    beneficiaries = models.CharField(_("beneficiaries"), max_length=300, blank=True)
    budget_eur = models.DecimalField(_("budget (€)"), max_digits=12, decimal_places=2, null=True, blank=True)
    funding_sources = models.TextField(_("funding sources"), blank=True)
    timeline = models.TextField(_("timeline"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    legal_instrument = models.CharField(_("legal instrument"), max_length=20, choices=LegalInstrument.choices, blank=True)
    instrument_start = models.DateField(_("instrument start"), null=True, blank=True)
    instrument_end = models.DateField(_("instrument end"), null=True, blank=True)
    # A proposal for a borgo may name the parts (child sites) it covers.
    covers = models.ManyToManyField("commons.Site", blank=True, related_name="covering_proposals",
                                    verbose_name=_("parts it covers"))
    pathway = models.ForeignKey("commons.Pathway", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="proposals", verbose_name=_("pathway"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="proposals"
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["site"],
                condition=Q(status__in=["accepted", "completed"]),
                name="proposal_one_accepted_per_site",
                violation_error_message=_("This site already has an accepted proposal."),
            ),
            models.CheckConstraint(
                condition=Q(instrument_end__isnull=True)
                | Q(instrument_start__isnull=True)
                | Q(instrument_end__gt=models.F("instrument_start")),
                name="proposal_instrument_dates_ordered",
            ),
        ]

    def __str__(self):
        return self.title


class ProposalSupport(models.Model):
    """One signed-in person's public support for a submitted proposal: counted in public, never named."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="proposal_supports")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [models.UniqueConstraint(fields=["proposal", "user"], name="proposal_support_once")]

    def __str__(self):
        return f"{self.proposal_id} ← {self.user_id}"
