from django.urls import path

from mapping.views import pages

app_name = "mapping"

urlpatterns = [
    path("", pages.home, name="home"),
]
