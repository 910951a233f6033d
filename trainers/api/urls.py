from django.urls import path, re_path
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from trainers.api.views import (
    auth,
    catalog,
    certifications,
    classes,
    photo,
    schedule,
    status,
    trainers,
    transfer,
)
from trainers.api.views.base import ApiNotFound

trainer = "trainers/<uuid:trainer_id>/"
public = [AllowAny]  # the schema and docs describe the API; using it needs credentials

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(permission_classes=public), name="api-schema"),
    path(
        "docs/",
        # Swagger UI's script sends the session's CSRF token with "Try it out".
        ensure_csrf_cookie(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema", permission_classes=public)
        ),
        name="api-docs",
    ),
    path("auth/token/", auth.AuthTokenApi.as_view(), name="api-auth-token"),
    path("trainers/", trainers.TrainerRegisterApi.as_view(), name="api-trainers"),
    path("trainers/import/", transfer.TrainerImportApi.as_view(), name="api-trainers-import"),
    path("trainers/export.csv", transfer.TrainerExportApi.as_view(), name="api-trainers-export"),
    path(trainer, trainers.TrainerDetailApi.as_view(), name="api-trainer"),
    path(f"{trainer}specialties/", trainers.TrainerSpecialtiesApi.as_view()),
    path(f"{trainer}photo/", photo.TrainerPhotoApi.as_view()),
    path(f"{trainer}publish/", status.TrainerPublishApi.as_view()),
    path(f"{trainer}unpublish/", status.TrainerUnpublishApi.as_view()),
    path(f"{trainer}leave/", status.TrainerLeaveApi.as_view()),
    path(f"{trainer}retire/", status.TrainerRetireApi.as_view()),
    path(f"{trainer}restore/", trainers.TrainerRestoreApi.as_view()),
    path(f"{trainer}schedule/", schedule.TrainerScheduleApi.as_view()),
    path(f"{trainer}schedule/<int:change_id>/", schedule.TrainerScheduleCancelApi.as_view()),
    path(f"{trainer}certifications/", certifications.CertificationAddApi.as_view()),
    path(
        f"{trainer}certifications/<int:certification_id>/",
        certifications.CertificationDetailApi.as_view(),
    ),
    path("classes/", classes.GymClassScheduleApi.as_view(), name="api-classes"),
    path("classes/<int:class_id>/", classes.GymClassDetailApi.as_view()),
    path("branches/", catalog.BranchCreateApi.as_view(), name="api-branches"),
    path("branches/<slug:slug>/", catalog.BranchDetailApi.as_view()),
    path("specialties/", catalog.SpecialtyCreateApi.as_view(), name="api-specialties"),
    path("specialties/<slug:slug>/", catalog.SpecialtyDetailApi.as_view()),
    # Anything else under /api/ is a JSON 404, also with DEBUG on and without a trailing slash.
    # [\s\S], not ".": a path with a newline (%0A) must not slip past into an HTML 404 page
    # (and a (?s) flag would make every reverse() fail).
    re_path(r"^[\s\S]*$", ApiNotFound.as_view()),
]
