"""Vector tile routes: /tiles/sites/{z}/{x}/{y}.pbf. Any z/x/y reaches the view, which answers 400 for values
that are not tile coordinates (rather than Django's HTML 404 page)."""

from django.urls import re_path

from mapping.tiles import views

urlpatterns = [
    re_path(r"^sites/(?P<z>[^/]+)/(?P<x>[^/]+)/(?P<y>[^/.]+)\.pbf$", views.site_tile, name="site-tile"),
]
