"""OGC API – Features routes (mounted at /ogc/): landing page, conformance, OpenAPI, collections and items."""

from django.urls import path, re_path

from mapping.ogc import items, views

app_name = "ogc"

urlpatterns = [
    path("", views.Landing.as_view(), name="landing"),
    path("conformance", views.Conformance.as_view(), name="conformance"),
    path("openapi", views.OpenApi.as_view(), name="openapi"),
    path("collections", views.Collections.as_view(), name="collections"),
    path("collections/<str:collection_id>", views.Collection.as_view(), name="collection"),
    path("collections/<str:collection_id>/queryables", views.Queryables.as_view(), name="queryables"),
    path("collections/<str:collection_id>/schema", views.Schema.as_view(), name="schema"),
    path("collections/<str:collection_id>/items", items.Items.as_view(), name="items"),
    re_path(r"^collections/(?P<collection_id>[^/]+)/items/(?P<pk>[0-9]{1,18})$", items.Item.as_view(), name="item"),
]
