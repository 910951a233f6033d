"""The DRF baselines the benchmark compares against, under ``/bench/`` (``bench/urls.py``).

- The DRF API a team would otherwise write: generic views over the write model,
  ``ModelSerializer`` with nested specialties, certifications and branch,
  ``PageNumberPagination`` (20 a page) and ``SearchFilter`` for ``q``. It is not a
  straw man: it prefetches its relations, as a careful team would.
- A plain ``ModelViewSet`` PATCH, the write baseline.

The server ceiling is not here: it is a process of its own (``bench/ceiling.py``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import path
from rest_framework import filters, generics, pagination, permissions, serializers, viewsets
from rest_framework.routers import SimpleRouter

from trainers.models import PUBLIC_STATUSES, Branch, Certification, Specialty, Trainer


class BranchSerializer(serializers.ModelSerializer[Branch]):
    class Meta:
        model = Branch
        fields = ["slug", "name", "city"]


class SpecialtySerializer(serializers.ModelSerializer[Specialty]):
    class Meta:
        model = Specialty
        fields = ["slug", "name"]


class CertificationSerializer(serializers.ModelSerializer[Certification]):
    class Meta:
        model = Certification
        fields = ["name", "issuer", "issued_on", "expires_on"]


class TrainerSerializer(serializers.ModelSerializer[Trainer]):
    branch = BranchSerializer(read_only=True)
    specialties = SpecialtySerializer(many=True, read_only=True)
    certifications = CertificationSerializer(many=True, read_only=True)

    class Meta:
        model = Trainer
        fields = [
            "id",
            "slug",
            "first_name",
            "last_name",
            "position",
            "shift",
            "hired_on",
            "bio",
            "photo_url",
            "status",
            "branch",
            "specialties",
            "certifications",
        ]


class PageOf20(pagination.PageNumberPagination):
    page_size = 20


class PublicTrainers(generics.GenericAPIView[Trainer]):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []
    serializer_class = TrainerSerializer

    def get_queryset(self) -> QuerySet[Trainer]:
        queryset = (
            Trainer.objects.filter(status__in=PUBLIC_STATUSES)
            .select_related("branch")
            .prefetch_related("specialties", "certifications")
            .order_by("last_name", "first_name", "id")
        )
        params = self.request.query_params
        if params.get("branch"):
            queryset = queryset.filter(branch__slug=params["branch"])
        for slug in params.getlist("specialty"):
            queryset = queryset.filter(specialties__slug=slug)
        return queryset


class NaiveTrainerList(PublicTrainers, generics.ListAPIView[Trainer]):
    pagination_class = PageOf20
    filter_backends = [filters.SearchFilter]
    search_fields = ["first_name", "last_name", "bio", "specialties__name"]
    search_param = "q"


class NaiveTrainerDetail(PublicTrainers, generics.RetrieveAPIView[Trainer]):
    pass


class PlainTrainerSerializer(serializers.ModelSerializer[Trainer]):
    class Meta:
        model = Trainer
        fields = ["id", "first_name", "last_name", "bio", "phone", "position", "shift"]


class PlainTrainerViewSet(viewsets.ModelViewSet[Trainer]):
    """A plain ModelViewSet: PATCH writes the row and nothing else (no event, no version)."""

    queryset = Trainer.objects.all()
    serializer_class = PlainTrainerSerializer
    permission_classes = [permissions.IsAuthenticated]


router = SimpleRouter()
router.register("plain/trainers", PlainTrainerViewSet, basename="bench-plain-trainer")

urlpatterns = [
    path("naive/trainers/", NaiveTrainerList.as_view()),
    path("naive/trainers/<uuid:pk>/", NaiveTrainerDetail.as_view()),
    *router.urls,
]
