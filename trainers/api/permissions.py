"""Django model permissions for views that have no queryset: each view names its model.

``GET`` needs view (or change) permission, ``POST`` add, ``PUT``/``PATCH``
change, ``DELETE`` delete. A view overrides one method's action with
``permission_actions``: a state change is a ``POST`` that needs change.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

ACTIONS = {"GET": "view", "HEAD": "view", "OPTIONS": "view", "POST": "add"}
ACTIONS |= {"PUT": "change", "PATCH": "change", "DELETE": "delete"}


class ModelPermissions(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        model: type[models.Model] | None = getattr(view, "permission_model", None)
        if model is None:
            return True  # views without a model (token revocation) only need a user
        action = getattr(view, "permission_actions", {}).get(request.method) or ACTIONS.get(
            request.method or "", "change"
        )
        prefix = f"{model._meta.app_label}."
        name = model._meta.model_name
        if action == "view":  # as in Django admin, change implies view
            return user.has_perm(f"{prefix}view_{name}") or user.has_perm(f"{prefix}change_{name}")
        return user.has_perm(f"{prefix}{action}_{name}")


def user_id(request: Request) -> int:
    """The authenticated caller's id (views that reach here passed the permission check)."""
    pk = request.user.pk
    if pk is None:
        raise NotAuthenticated()
    return int(pk)
