"""“Le mie segnalazioni”: the sites a person reported, whatever became of them, next to the drafts their phone
still holds (listed by the offline report script in #offline-drafts, from the device's own storage)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse

from commons.models import Site, SiteStatus
from mapping.web.views.report import draft_messages

PAGE_SIZE = 50


@login_required
def my_reports(request):
    sites = (Site.objects.filter(reporter=request.user).select_related("municipality")
             .only("id", "title", "status", "hidden", "duplicate_of_id", "created_at", "updated_at",
                   "municipality__name")
             .order_by("-created_at", "-id"))
    page = Paginator(sites, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "workflow/my_reports.html", {
        "page": page, "duplicate": SiteStatus.DUPLICATE,
        "drafts_config": {"user": request.user.pk, "reportUrl": reverse("mapping:report")},
        "drafts_messages": draft_messages(),
    })
