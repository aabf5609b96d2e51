"""What every page template needs: the navigation, account links and the map's base layer."""

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# (URL name, label, icon) of the main navigation, in the order people use them.
MAIN_NAV = [
    ("mapping:home", _("Map"), "it-map-marker"),
    ("mapping:site_list", _("List of sites"), "it-list"),
    ("mapping:report", _("Report a site"), "it-plus-circle"),
    ("mapping:cooperative_list", _("Cooperatives"), "it-user"),
    ("mapping:dashboard", _("Dashboard"), "it-chart-line"),
]
# The import page belongs to the open-data routes; its name is looked up, not assumed.
IMPORT_URL_NAMES = ["opendata:import", "opendata:import_list", "opendata:imports", "imports:index", "import_list"]


def reverse_or_none(name, *args):
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _first_reversible(names):
    for name in names:
        url = reverse_or_none(name)
        if url:
            return url
    return None


def _works_on_data(user):
    """Municipality staff and moderators see the work queue and the import page in the navigation."""
    from commons.models import MunicipalityStaff
    from commons.policy import is_moderator

    if user.is_staff or is_moderator(user):
        return True
    return MunicipalityStaff.objects.filter(user=user, approved=True).exists()


def registry(request):
    path = request.path
    nav = []
    for name, label, icon in MAIN_NAV:
        url = reverse_or_none(name)
        if url:
            active = path == url if url == "/" else path.startswith(url)
            nav.append({"url": url, "label": label, "icon": icon, "active": active})
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "main_nav": nav,
        "import_url": _first_reversible(IMPORT_URL_NAMES) if signed_in and _works_on_data(user) else None,
        "work_url": reverse_or_none("workflow:queue") if signed_in and _works_on_data(user) else None,
        "profile_url": reverse_or_none("workflow:profile") if signed_in else None,
        "my_reports_url": reverse_or_none("workflow:my_reports") if signed_in else None,
        "login_url": reverse_or_none("account_login") or settings.LOGIN_URL,
        "logout_url": reverse_or_none("account_logout") or reverse_or_none("admin:logout"),
        "signup_url": reverse_or_none("account_signup"),
        "registry_attribution": settings.REGISTRY_ATTRIBUTION,
        # For the scripts of every page (static/js/offline/register.js): the worker to install, and whose drafts
        # this browser may send.
        "registry_session": {"user": user.pk if signed_in else None, "worker": reverse_or_none("mapping:service_worker")},
        "fresh_months": settings.REGISTRY_FRESH_MONTHS,  # freshness thresholds, for legends
        "stale_months": settings.REGISTRY_STALE_MONTHS,
    }
