"""Planner dashboard: counts by region × kind × status, inner-areas share, choropleth, exports."""

from collections import defaultdict

from django.shortcuts import render
from django.urls import reverse

from commons.models import Freshness, Region, SiteKind, SiteStatus
from mapping.web.forms import FILTER_STATUSES, FilterPanelForm
from mapping.web.views.pages import map_config, page_search

STATUSES = [value for value, _label in FILTER_STATUSES]
KINDS = list(SiteKind.values)
FRESHNESS = list(Freshness.values)


def _counts(search):
    """{region: {(kind, status): n}} and the inner-areas count per region: the same counts as /api/v1/stats/
    (commons.search.Search.counts: the precomputed counts when they answer the filters)."""
    cube = defaultdict(lambda: defaultdict(int))
    for region, kind, status, n in search.counts():
        cube[region][(kind, status)] = n
    inner = defaultdict(int)
    for region, _kind, _status, n in search.counts(inner_only=True):
        inner[region] += n
    return cube, inner


def _row(region, cells, inner_count):
    by_status = [sum(n for (kind, status), n in cells.items() if status == s) for s in STATUSES]
    by_kind = [sum(n for (kind, status), n in cells.items() if kind == k) for k in KINDS]
    total = sum(by_status)
    return {
        "code": region.code,
        "name": region.name,
        "by_status": by_status,
        "by_kind": by_kind,
        "total": total,
        "inner": inner_count,
        "inner_share": round(100 * inner_count / total, 1) if total else None,
        "cells": {f"{kind}|{status}": n for (kind, status), n in cells.items()},
    }


def _freshness_rows(search, rows):
    """Per region (in the rows' order): sites fresh, ageing, stale, and the stale share; then Italy's totals."""
    counts = defaultdict(lambda: dict.fromkeys(FRESHNESS, 0))
    for region, name, n in (search.freshness_counts() if search else []):
        counts[region][name] = n
    table = []
    for row in rows:
        values = [counts[row["code"]][name] for name in FRESHNESS]
        table.append({"code": row["code"], "name": row["name"], "map_url": row["map_url"], "values": values,
                      "stale_share": round(100 * values[2] / sum(values), 1) if sum(values) else None})
    totals = [sum(r["values"][i] for r in table) for i in range(len(FRESHNESS))]
    return table, {"values": totals, "stale_share": round(100 * totals[2] / sum(totals), 1) if sum(totals) else None}


def _map_link(params, region_code):
    params = params.copy()
    for name in ("region", "province", "municipality", "page", "sort", "partial"):
        params.pop(name, None)
    params["region"] = region_code
    return reverse("mapping:home") + "?" + params.urlencode()


def _totals(rows):
    totals = {
        "by_status": [sum(r["by_status"][i] for r in rows) for i in range(len(STATUSES))],
        "by_kind": [sum(r["by_kind"][i] for r in rows) for i in range(len(KINDS))],
        "total": sum(r["total"] for r in rows),
        "inner": sum(r["inner"] for r in rows),
    }
    totals["inner_share"] = round(100 * totals["inner"] / totals["total"], 1) if totals["total"] else None
    return totals


def _chart_data(rows):
    """The same numbers as the tables, for chart.js and the choropleth (handed over through json_script)."""
    return {
        "regions": [r["name"] for r in rows],
        "codes": [r["code"] for r in rows],
        "statuses": STATUSES, "statusLabels": [str(SiteStatus(s).label) for s in STATUSES],
        "kinds": KINDS, "kindLabels": [str(SiteKind(k).label) for k in KINDS],
        "byStatus": [r["by_status"] for r in rows],
        "byKind": [r["by_kind"] for r in rows],
        "innerShare": [r["inner_share"] for r in rows],
        "totals": [r["total"] for r in rows],
        "mapLinks": [r["map_url"] for r in rows],
        "map": map_config(),
        "freshness": FRESHNESS, "freshnessLabels": [str(Freshness(f).label) for f in FRESHNESS],
    }


def dashboard(request):
    search, errors = page_search(request)
    cube, inner = _counts(search) if search else ({}, {})
    rows = []
    for region in Region.objects.order_by("name").only("code", "name"):
        row = _row(region, cube.get(region.code, {}), inner.get(region.code, 0))
        row["map_url"] = _map_link(request.GET, region.code)
        rows.append(row)
    query = request.GET.urlencode()
    freshness_rows, freshness_totals = _freshness_rows(search, rows)
    chart_data = _chart_data(rows)
    chart_data["byFreshness"] = [r["values"] for r in freshness_rows]
    return render(request, "mapping/dashboard.html", {
        "freshness_rows": freshness_rows,
        "freshness_totals": freshness_totals,
        "freshness_labels": [Freshness(f).label for f in FRESHNESS],
        "form": FilterPanelForm(request.GET),
        "errors": errors,
        "rows": rows,
        "totals": _totals(rows),
        "status_labels": [SiteStatus(s).label for s in STATUSES],
        "kind_labels": [SiteKind(k).label for k in KINDS],
        "chart_data": chart_data,
        "export_query": query,
        "stats_query": query,
        "claimed": search.sites().claimed().count() if search else 0,
    }, status=400 if errors else 200)
