"""Cooperatives and their members."""

import pghistory
from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.utils.translation import gettext_lazy as _

from commons.validators import validate_tax_code

from .proposals import ReuseCategory
from .sites import SiteKind


class LegalForm(models.TextChoices):
    SOCIAL_A = "social_a", _("Social cooperative (type A)")
    SOCIAL_B = "social_b", _("Social cooperative (type B)")
    COMMUNITY = "community", _("Community cooperative")
    WORKERS = "workers", _("Workers' cooperative")
    AGRICULTURAL = "agricultural", _("Agricultural cooperative")
    HOUSING = "housing", _("Housing cooperative")
    CONSUMER = "consumer", _("Consumer cooperative")
    CONSORTIUM = "consortium", _("Cooperative consortium")
    OTHER = "other", _("Other cooperative")


class Sector(models.TextChoices):
    WELFARE = "welfare", _("Welfare and care")
    AGRICULTURE = "agriculture", _("Agriculture")
    CULTURE = "culture", _("Culture")
    TOURISM = "tourism", _("Tourism")
    HOUSING = "housing", _("Housing")
    ENERGY = "energy", _("Energy")
    CONSTRUCTION = "construction", _("Construction")
    SERVICES = "services", _("Services")
    EDUCATION = "education", _("Education")
    ENVIRONMENT = "environment", _("Environment")


class MemberRole(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    MEMBER = "member", _("Member")


class CooperativeQuerySet(models.QuerySet):
    def verified(self):
        return self.filter(verified=True)


@pghistory.track(fields=["name", "tax_code", "verified"], model_name="CooperativeEvent",
                 obj_field=pghistory.ObjForeignKey(related_name="events"))
class Cooperative(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    legal_form = models.CharField(_("legal form"), max_length=20, choices=LegalForm.choices)
    tax_code = models.CharField(
        _("codice fiscale / partita IVA"), max_length=16, unique=True, validators=[validate_tax_code]
    )
    albo_number = models.CharField(_("Albo delle cooperative number"), max_length=20, blank=True)
    sectors = ArrayField(
        models.CharField(max_length=20, choices=Sector.choices), verbose_name=_("sectors"), default=list, blank=True
    )
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("website"), blank=True)
    headquarters = models.PointField(_("headquarters"), srid=4326, null=True, blank=True)
    municipality = models.ForeignKey(
        "commons.Municipality", on_delete=models.PROTECT, null=True, blank=True, related_name="cooperatives"
    )
    verified = models.BooleanField(_("verified"), default=False)
    # Matching (commons.matching): where the cooperative works and what it looks for. Set by its admins.
    territory_regions = ArrayField(models.CharField(max_length=2), verbose_name=_("regions it works in"),
                                   default=list, blank=True)
    territory_provinces = ArrayField(models.CharField(max_length=3), verbose_name=_("provinces it works in"),
                                     default=list, blank=True)
    territory_area = models.MultiPolygonField(_("area it works in"), srid=4326, null=True, blank=True)
    interest_kinds = ArrayField(models.CharField(max_length=20, choices=SiteKind.choices),
                                verbose_name=_("kinds of site it looks for"), default=list, blank=True)
    interest_categories = ArrayField(models.CharField(max_length=20, choices=ReuseCategory.choices),
                                     verbose_name=_("reuse categories it works in"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="CooperativeMembership", related_name="cooperatives"
    )

    objects = CooperativeQuerySet.as_manager()

    class Meta:
        verbose_name = _("cooperative")
        verbose_name_plural = _("cooperatives")
        ordering = ["name"]

    def __str__(self):
        return self.name


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(),
                 fields=["cooperative", "user", "role"], model_name="CooperativeMembershipEvent",
                 obj_field=pghistory.ObjForeignKey(related_name="events", db_constraint=False))
class CooperativeMembership(models.Model):
    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cooperative_memberships")
    role = models.CharField(_("role"), max_length=10, choices=MemberRole.choices, default=MemberRole.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("cooperative membership")
        verbose_name_plural = _("cooperative memberships")
        constraints = [models.UniqueConstraint(fields=["cooperative", "user"], name="membership_unique")]

    def __str__(self):
        return f"{self.user} @ {self.cooperative} ({self.role})"


class CooperativeDigest(models.Model):
    """The weekly digest of newly verified fitting sites, once per cooperative and ISO week (the unique index decides
    between two runners); kept as the record of what was sent."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="digests")
    period = models.CharField(_("week"), max_length=8)  # ISO week, e.g. 2026-W49
    sites = ArrayField(models.IntegerField(), default=list, blank=True)
    sent_to = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("weekly digest")
        verbose_name_plural = _("weekly digests")
        constraints = [models.UniqueConstraint(fields=["cooperative", "period"], name="digest_once_a_week")]

    def __str__(self):
        return f"{self.cooperative} {self.period}"


@pghistory.track(pghistory.InsertEvent("cooperative.invite"), fields=["site", "cooperative", "invited_by"],
                 model_name="CooperativeInvitationEvent", obj_field=pghistory.ObjForeignKey(related_name="events"))
class CooperativeInvitation(models.Model):
    """Municipality staff invite a verified cooperative to propose for a site (once per site and cooperative)."""

    site = models.ForeignKey("commons.Site", on_delete=models.CASCADE, related_name="invitations")
    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    message = models.CharField(_("message"), max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("invitation to propose")
        verbose_name_plural = _("invitations to propose")
        constraints = [models.UniqueConstraint(fields=["site", "cooperative"], name="invitation_once")]

    def __str__(self):
        return f"{self.cooperative} → {self.site_id}"
