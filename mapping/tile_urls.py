"""Vector tile routes (owned by the API work)."""

urlpatterns = []
