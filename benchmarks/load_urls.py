"""The demo's pages, and the benchmarks' tracked and counter pages beside them."""

from __future__ import annotations

from benchmarks.urls import urlpatterns as benchmark_urlpatterns
from demo_site.urls import urlpatterns as demo_urlpatterns

urlpatterns = [*benchmark_urlpatterns, *demo_urlpatterns]
