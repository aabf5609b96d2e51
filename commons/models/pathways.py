"""Pathways: the legal routes from a dormant asset to its reuse, as data (seeded by a migration, edited by
moderators in the admin), and the milestones a proposal records along its pathway's steps."""

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .proposals import LegalInstrument
from .sites import Ownership, SiteKind


class Bilingual:
    """Fields stored as `<name>_it` and `<name>_en`: `obj.text("title")` is the one of the active language
    (Italian when the English one is empty)."""

    def text(self, name):
        english = (get_language() or "it").startswith("en")
        return (english and getattr(self, f"{name}_en")) or getattr(self, f"{name}_it")


class PathwayQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def fitting(self, site):
        """The active pathways open to a site of this ownership and kind (no kinds listed: every kind)."""
        return self.active().filter(ownerships__contains=[site.ownership]).filter(
            Q(kinds=[]) | Q(kinds__contains=[site.kind]))


@pghistory.track(fields=["slug", "title_it", "legal_basis", "ownerships", "kinds", "instrument", "active"],
                 model_name="PathwayEvent", obj_field=pghistory.ObjForeignKey(related_name="events"))
class Pathway(Bilingual, models.Model):
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title_it = models.CharField(_("title (Italian)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    summary_it = models.TextField(_("description (Italian)"))
    summary_en = models.TextField(_("description (English)"), blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    legal_basis_url = models.URLField(_("official text"), max_length=500,
                                      help_text=_("Link to the official text (normattiva.it where possible)."))
    decided_by_it = models.CharField(_("who decides (Italian)"), max_length=300)
    decided_by_en = models.CharField(_("who decides (English)"), max_length=300, blank=True)
    ownerships = ArrayField(models.CharField(max_length=20, choices=Ownership.choices), verbose_name=_("ownerships"),
                            help_text=_("The site ownerships this pathway is open to."))
    kinds = ArrayField(models.CharField(max_length=20, choices=SiteKind.choices), verbose_name=_("kinds"),
                       default=list, blank=True, help_text=_("The site kinds it fits; empty: every kind."))
    instrument = models.CharField(_("legal instrument it ends in"), max_length=20, choices=LegalInstrument.choices)
    active = models.BooleanField(_("offered"), default=True,
                                 help_text=_("A pathway is never deleted: untick to stop offering it."))

    objects = PathwayQuerySet.as_manager()

    class Meta:
        verbose_name = _("pathway")
        verbose_name_plural = _("pathways")
        ordering = ["position", "slug"]
        constraints = [models.CheckConstraint(condition=~Q(ownerships=[]), name="pathway_has_ownerships")]

    def __str__(self):
        return self.title_it

    def fits(self, site):
        return self.active and site.ownership in self.ownerships and (not self.kinds or site.kind in self.kinds)


@pghistory.track(fields=["pathway", "position", "name_it", "typical_days"], model_name="PathwayStepEvent",
                 obj_field=pghistory.ObjForeignKey(related_name="events"))
class PathwayStep(Bilingual, models.Model):
    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="steps")
    position = models.PositiveSmallIntegerField(_("order"))
    name_it = models.CharField(_("step (Italian)"), max_length=200)
    name_en = models.CharField(_("step (English)"), max_length=200, blank=True)
    actor_it = models.CharField(_("who acts (Italian)"), max_length=200)
    actor_en = models.CharField(_("who acts (English)"), max_length=200, blank=True)
    documents_it = models.TextField(_("documents (Italian)"), blank=True)
    documents_en = models.TextField(_("documents (English)"), blank=True)
    typical_days = models.PositiveIntegerField(_("typical duration (days)"))

    class Meta:
        verbose_name = _("pathway step")
        verbose_name_plural = _("pathway steps")
        ordering = ["pathway", "position"]
        constraints = [models.UniqueConstraint(fields=["pathway", "position"], name="pathway_step_position_unique")]

    def __str__(self):
        return f"{self.position}. {self.name_it}"


MILESTONE_HISTORY_FIELDS = ["proposal", "step", "planned_date", "actual_date", "note"]


@pghistory.track(
    pghistory.InsertEvent("milestone.create"),
    pghistory.UpdateEvent("milestone.update", condition=pghistory.AnyChange(*MILESTONE_HISTORY_FIELDS)),
    fields=MILESTONE_HISTORY_FIELDS, model_name="MilestoneEvent",
    obj_field=pghistory.ObjForeignKey(related_name="events"),
)
class Milestone(models.Model):
    """One step of a proposal's pathway: when it is planned and when it was reached."""

    proposal = models.ForeignKey("commons.Proposal", on_delete=models.CASCADE, related_name="milestones")
    step = models.ForeignKey(PathwayStep, on_delete=models.PROTECT, related_name="milestones")
    position = models.PositiveSmallIntegerField(_("order"))
    planned_date = models.DateField(_("planned date"), null=True, blank=True)
    actual_date = models.DateField(_("date reached"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=1000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["proposal", "position"]
        constraints = [models.UniqueConstraint(fields=["proposal", "position"], name="milestone_position_unique")]
        indexes = [models.Index(fields=["planned_date"], condition=Q(actual_date__isnull=True),
                                name="milestone_open_planned")]

    def __str__(self):
        return f"{self.proposal_id}/{self.position}"

    def is_overdue(self, today):
        return self.actual_date is None and self.planned_date is not None and self.planned_date < today


def documents_storage():
    """The `documents` storage (settings.STORAGES): a callable, so that settings decide it at run time."""
    from django.core.files.storage import storages

    return storages["documents"]


class MilestoneDocument(models.Model):
    """A PDF filed for a milestone: sniffed and size-checked (commons.documents), kept in the `documents` storage
    (never under MEDIA_ROOT, never served by the web server) and served by a view with its own headers."""

    milestone = models.ForeignKey(Milestone, on_delete=models.PROTECT, related_name="documents")
    file = models.FileField(_("file"), upload_to="milestones/%Y/%m/", storage=documents_storage,
                            max_length=200)
    title = models.CharField(_("title"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("milestone document")
        verbose_name_plural = _("milestone documents")
        ordering = ["created_at"]

    def __str__(self):
        return self.title
