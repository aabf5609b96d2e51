from django.db.models import Count
from django.shortcuts import render

from commons.models import Region, Site


def home(request):
    regions = Region.objects.annotate(site_count=Count("sites")).order_by("name")
    latest = Site.objects.visible().select_related("municipality", "region").order_by("-created_at")[:20]
    return render(request, "mapping/home.html", {"regions": regions, "latest": latest})
