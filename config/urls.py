from django.contrib import admin
from django.urls import include, path

from config import health
from trainers.ops.api import api as ops_api

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/", include("trainers.api.urls")),
    path("ops/", ops_api.urls),
]
# Local photo storage is served at MEDIA_URL before Django (config/asgi.py).

# JSON problem details under /api/, Django's pages elsewhere (used when DEBUG is off).
handler400 = "trainers.api.errors.bad_request"
handler404 = "trainers.api.errors.page_not_found"
handler500 = "trainers.api.errors.server_error"
