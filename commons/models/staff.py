"""Municipality staff: users acting for one municipality's territory."""

import pghistory
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(),
                 fields=["user", "municipality", "approved", "approved_by"], model_name="MunicipalityStaffEvent",
                 obj_field=pghistory.ObjForeignKey(related_name="events", db_constraint=False))
class MunicipalityStaff(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="municipality_roles")
    municipality = models.ForeignKey("commons.Municipality", on_delete=models.PROTECT, related_name="staff")
    approved = models.BooleanField(_("approved"), default=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("municipality staff membership")
        verbose_name_plural = _("municipality staff memberships")
        constraints = [models.UniqueConstraint(fields=["user", "municipality"], name="staff_unique")]

    def __str__(self):
        return f"{self.user} @ {self.municipality}"
