import factory
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from commons.models import Cooperative, LegalForm, Proposal, ReuseCategory, Site, SiteKind
from commons.services.sites import site_place

ROMA = (12.4922, 41.8902)  # Colosseo
MILANO = (9.1900, 45.4642)  # Duomo
NAPOLI = (14.2681, 40.8518)
# Places that are not Italy although a municipality lies within the coast tolerance (206 m and 149 m away).
VATICAN = (12.4534, 41.9029)  # St Peter's
SAN_MARINO_DOGANA = (12.4886, 43.9810)
SAN_MARINO_DOMAGNANO = (12.4686, 43.9490)  # 2.4 km from Italy
NAPLES_PIER = (14.2575, 40.8330)  # a few hundred metres outside the simplified municipal polygon
# A rectangle drawn over central Italy at national zoom: about 300 × 200 km, 59,000 km².
GIANT_RECTANGLE = [[11.0, 41.5], [14.6, 41.5], [14.6, 43.3], [11.0, 43.3], [11.0, 41.5]]


def square(lon, lat, half=0.0005):
    return MultiPolygon(Polygon.from_bbox((lon - half, lat - half, lon + half, lat + half)), srid=4326)


def circle_ring(lon, lat, metres, vertices=64):
    """A closed GeoJSON ring approximating a circle of `metres` radius on the ground."""
    import math

    dlon, dlat = metres / (111_320 * math.cos(math.radians(lat))), metres / 111_320
    ring = [[round(lon + dlon * math.cos(2 * math.pi * i / vertices), 6),
             round(lat + dlat * math.sin(2 * math.pi * i / vertices), 6)] for i in range(vertices)]
    return ring + [ring[0]]


# 8 km around Gorizia's border with Nova Gorica: its point on surface is in Italy, most of it in Slovenia.
SLOVENIA_CIRCLE = circle_ring(13.63, 45.94, 8000)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("pw-Secret-123")


class SiteFactory(factory.django.DjangoModelFactory):
    """Sites placed by the same spatial join the services use."""

    class Meta:
        model = Site

    title = factory.Sequence(lambda n: f"Ex scuola {n}")
    description = "Edificio scolastico chiuso dal 2010."
    kind = SiteKind.BUILDING
    location = factory.LazyFunction(lambda: Point(*ROMA, srid=4326))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        site = model_class(*args, **kwargs)
        site_place(site)
        site.save()
        return site


class CooperativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cooperative

    name = factory.Sequence(lambda n: f"Cooperativa Test {n}")
    slug = factory.Sequence(lambda n: f"cooperativa-test-{n}")
    legal_form = LegalForm.COMMUNITY
    tax_code = factory.Sequence(lambda n: _valid_piva(n))
    verified = True


class ProposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Proposal

    site = factory.SubFactory(SiteFactory)
    cooperative = factory.SubFactory(CooperativeFactory)
    title = "Casa di comunità"
    summary = "Recupero dell'edificio come casa di comunità."
    reuse_category = ReuseCategory.WELFARE


def _valid_piva(n):
    from commons.validators import partita_iva_is_valid

    base = f"{n:010d}"
    return next(base + str(d) for d in range(10) if partita_iva_is_valid(base + str(d)))


def verified_user(**kwargs):
    """A signed-up user whose e-mail address is verified (a 'citizen')."""
    from allauth.account.models import EmailAddress

    user = UserFactory(**kwargs)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def staff_user(municipality_code, **kwargs):
    from commons.models import MunicipalityStaff

    user = verified_user(**kwargs)
    MunicipalityStaff.objects.create(user=user, municipality_id=municipality_code, approved=True)
    return user


def moderator_user(**kwargs):
    from django.contrib.auth.models import Group

    from commons.policy import MODERATORS_GROUP

    user = verified_user(**kwargs)
    user.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    return user


def coop_user(cooperative, role="member", **kwargs):
    from commons.models import CooperativeMembership

    user = verified_user(**kwargs)
    CooperativeMembership.objects.create(cooperative=cooperative, user=user, role=role)
    return user


def verified_site(**kwargs):
    """A site a moderator has verified: open to proposals."""
    from commons.services.lifecycle import site_verify

    site = SiteFactory(**kwargs)
    site_verify(site_id=site.pk, actor=moderator_user())
    site.refresh_from_db()
    return site
