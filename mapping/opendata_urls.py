"""Open-data routes: import pages and the DCAT-AP_IT catalogue (owned by the import work)."""

urlpatterns = []
