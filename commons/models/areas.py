"""Italy's administrative areas, keyed by their ISTAT codes (zero-padded strings)."""

from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class InnerAreaClass(models.TextChoices):
    """SNAI 2020 classes; D, E and F are the 'aree interne'."""

    A = "A", _("A - Hub")
    B = "B", _("B - Inter-municipal hub")
    C = "C", _("C - Belt")
    D = "D", _("D - Intermediate")
    E = "E", _("E - Peripheral")
    F = "F", _("F - Ultra-peripheral")

    @classmethod
    def inner(cls):
        return [cls.D, cls.E, cls.F]


class AreaQuerySet(models.QuerySet):
    def containing(self, point):
        return self.filter(geom__intersects=point)


class Area(models.Model):
    code = models.CharField(_("ISTAT code"), max_length=6, primary_key=True)
    name = models.CharField(_("name"), max_length=120, db_index=True)
    geom = models.MultiPolygonField(_("boundary"), srid=4326)

    objects = AreaQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name

    def validate_constraints(self, exclude=None):
        # PostGIS enforces geom_valid on save; Django cannot evaluate ST_IsValid in Python.
        super().validate_constraints(exclude=set(exclude or ()) | {"geom"})


class Region(Area):
    class Meta(Area.Meta):
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [models.CheckConstraint(condition=Q(geom__isvalid=True), name="region_geom_valid")]


class Province(Area):
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="provinces", verbose_name=_("region"))
    acronym = models.CharField(_("acronym"), max_length=2)

    class Meta(Area.Meta):
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        constraints = [models.CheckConstraint(condition=Q(geom__isvalid=True), name="province_geom_valid")]


class Municipality(Area):
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="municipalities", verbose_name=_("province")
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="municipalities", verbose_name=_("region")
    )
    cadastral_code = models.CharField(_("cadastral code"), max_length=4, blank=True)
    inner_area_class = models.CharField(
        _("inner-areas class (SNAI 2020)"), max_length=1, choices=InnerAreaClass.choices, blank=True
    )

    class Meta(Area.Meta):
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        constraints = [models.CheckConstraint(condition=Q(geom__isvalid=True), name="municipality_geom_valid")]

    @property
    def is_inner_area(self):
        return self.inner_area_class in InnerAreaClass.inner()


class Enclave(models.Model):
    """A foreign state inside Italy's borders (San Marino, Vatican City): never Italian territory, whatever the
    coast tolerance (commons.services.territory).

    The ISTAT/Openpolis files hold only Italian areas, so an enclave is where no municipality is: a hole of the
    municipalities' union. Not every hole is foreign, though. Measured on the 2023.1 files, the union has 1,204
    holes: San Marino (60.5 km², officially 61.2) and the Vatican (0.41 km², officially 0.44); Moransengo-Tonengo
    (AT, 10.9 km²) and Bardello con Malgesso e Bregano (VA, 7.8 km²), Italian municipalities born of 2023 mergers
    and missing from the files; and slivers under 0.11 km² between simplified borders. So an enclave is named by
    a point well inside it (`reference`) and its `geom` is the hole that holds that point, recomputed from the
    municipalities whenever boundaries are loaded (SQL function commons_enclaves_refresh, migration 0007).
    """

    code = models.CharField(_("ISO 3166 code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=80)
    reference = models.PointField(_("a point inside"), srid=4326)
    geom = models.MultiPolygonField(_("boundary"), srid=4326, null=True, blank=True)

    class Meta:
        verbose_name = _("foreign enclave")
        verbose_name_plural = _("foreign enclaves")
        ordering = ["code"]

    def __str__(self):
        return self.name
