"""Part 2 CRS: crs and bbox-crs over the allow-list, axes in each CRS's own order, Content-Crs; nothing else
reaches PostGIS or GDAL. Coordinates are checked against PostGIS's own ST_Transform and GDAL's axis rules."""

import ctypes

import pytest
from django.contrib.gis.gdal import SpatialReference
from django.contrib.gis.gdal.libgdal import lgdal
from django.db import connection

from commons.models import Site
from mapping.read.crs import ALLOWED_SRIDS, CRS84_URI, SUPPORTED, in_crs_sql

pytestmark = pytest.mark.django_db
ITEMS = "/ogc/collections/sites/items"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
ISSUE_LIST = {4326, 3857, 3003, 3004, 6706, 6707, 6708, 7791, 7792, 25832, 25833, 25834, 32632, 32633, 32634}


def test_the_allow_list_is_the_issue_s_and_the_axis_order_is_gdal_s():
    assert ALLOWED_SRIDS == ISSUE_LIST
    treats_lat_long = lgdal.OSREPSGTreatsAsLatLong
    treats_northing = lgdal.OSREPSGTreatsAsNorthingEasting
    for function in (treats_lat_long, treats_northing):
        function.argtypes, function.restype = [ctypes.c_void_p], ctypes.c_int
    for uri, crs in SUPPORTED.items():
        if uri == CRS84_URI:
            assert not crs.second_axis_first
            continue
        srs = SpatialReference(crs.srid)
        assert crs.second_axis_first == bool(treats_lat_long(srs.ptr) or treats_northing(srs.ptr)), uri
        assert crs.geographic == srs.geographic, uri


def test_a_site_comes_in_every_listed_crs_as_postgis_transforms_it(client, demo_sites):
    site = Site.objects.visible().first()
    for uri, crs in SUPPORTED.items():
        response = client.get(f"{ITEMS}/{site.pk}", {"crs": uri})
        assert response.status_code == 200, uri
        assert response["Content-Crs"] == f"<{uri}>"
        x, y = response.json()["geometry"]["coordinates"]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT ST_X(g), ST_Y(g) FROM (SELECT ST_Transform(location, {crs.srid}) g "
                           "FROM commons_site WHERE id = %s) t", [site.pk])
            east, north = cursor.fetchone()
        expected = (north, east) if crs.second_axis_first else (east, north)
        tolerance = 1e-6 if crs.geographic else 0.01
        assert x == pytest.approx(expected[0], abs=tolerance) and y == pytest.approx(expected[1], abs=tolerance), uri


def test_epsg_4326_puts_latitude_first_and_crs84_longitude_first(client, demo_sites):
    site = Site.objects.visible().first()
    default = client.get(ITEMS, {"limit": 1})
    assert default["Content-Crs"] == f"<{CRS84_URI}>"
    lon, lat = client.get(f"{ITEMS}/{site.pk}").json()["geometry"]["coordinates"]
    assert (lon, lat) == (pytest.approx(site.location.x, abs=1e-6), pytest.approx(site.location.y, abs=1e-6))
    flipped = client.get(f"{ITEMS}/{site.pk}", {"crs": "EPSG:4326"}).json()["geometry"]["coordinates"]
    assert flipped == [lat, lon]


def test_bbox_crs_reads_the_box_in_its_crs_and_axis_order(client, demo_sites):
    box = (11.5, 41.0, 13.5, 42.8)  # around Rome, CRS84
    expected = Site.objects.visible().filter(location__bboverlaps=_box(box)).count()
    assert expected > 0
    assert client.get(ITEMS, {"bbox": ",".join(map(str, box))}).json()["numberMatched"] == expected
    lat_first = f"{box[1]},{box[0]},{box[3]},{box[2]}"
    assert client.get(ITEMS, {"bbox": lat_first, "bbox-crs": f"{EPSG}4326"}).json()["numberMatched"] == expected
    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM (SELECT ST_Transform("
                       "ST_MakeEnvelope(%s, %s, %s, %s, 4326), 3857) b) t", box)
        metric = cursor.fetchone()
    inside = client.get(ITEMS, {"bbox": ",".join(map(str, metric)), "bbox-crs": f"{EPSG}3857"}).json()
    assert inside["numberMatched"] == expected


def test_an_unknown_crs_or_a_crs_text_is_refused_before_it_reaches_postgis(client, demo_sites):
    for value in ("EPSG:2000", "http://www.opengis.net/def/crs/EPSG/0/4979", "+proj=longlat",
                  'GEOGCS["x"]', "file:///etc/passwd", "http://example.com/crs"):
        for name in ("crs", "bbox-crs", "filter-crs"):
            params = {name: value, **({"bbox": "12,41,13,42"} if name == "bbox-crs" else {})}
            response = client.get(ITEMS, params)
            assert response.status_code == 400, (name, value)
            assert response.json()["errors"][0] == {**response.json()["errors"][0], "field": name,
                                                    "code": "crs_not_supported"}
    with pytest.raises(ValueError):
        in_crs_sql("s.location", type(SUPPORTED[CRS84_URI])(2000, "not listed"))


def _box(box):
    from django.contrib.gis.geos import Polygon

    polygon = Polygon.from_bbox(box)
    polygon.srid = 4326
    return polygon
