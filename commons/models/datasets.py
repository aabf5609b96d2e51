"""Where imported sites come from, and each import run."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SourceDataset(models.Model):
    """A dataset sites are imported from; its slug is the `source` of those sites."""

    slug = models.SlugField(_("slug"), max_length=40, primary_key=True)
    name = models.CharField(_("name"), max_length=200)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    licence = models.CharField(_("licence"), max_length=100)
    attribution = models.CharField(_("attribution"), max_length=300)
    url = models.URLField(_("URL"), blank=True)
    last_imported_at = models.DateTimeField(_("last imported"), null=True, blank=True)

    class Meta:
        verbose_name = _("source dataset")
        verbose_name_plural = _("source datasets")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ImportRun(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    dataset = models.ForeignKey(SourceDataset, on_delete=models.PROTECT, related_name="runs")
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", blank=True)
    options = models.JSONField(_("options"), default=dict, blank=True)
    dry_run = models.BooleanField(_("dry run"), default=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    conflicts = models.PositiveIntegerField(default=0)
    report = models.JSONField(_("report"), default=dict, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")
        ordering = ["-created_at"]
