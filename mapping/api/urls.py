"""REST API v1 routes (owned by the API work)."""

urlpatterns = []
