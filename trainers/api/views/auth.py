"""Token authentication: obtain a token with a password, revoke it."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from trainers.api import tokens
from trainers.api.permissions import user_id
from trainers.api.serializers import StrictInput, TokenOutput
from trainers.api.views.base import problems
from trainers.lockout import LockedOut


class AuthTokenApi(APIView):
    """Obtain (POST) or revoke (DELETE) the caller's API token."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    class InputSerializer(StrictInput, AuthTokenSerializer):
        pass

    def get_permissions(self) -> list[BasePermission]:
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    def get_throttles(self) -> list[Any]:
        return super().get_throttles() if self.request.method == "POST" else []

    @extend_schema(
        request=InputSerializer,
        responses={200: TokenOutput, **problems(400, 413, 415, 429)},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        """Exchange a username and password for a token: the same one until it expires or is
        revoked, then a new one (docs/command-api.md, "Authentication")."""
        serializer = self.InputSerializer(data=request.data, context={"request": request})
        valid = serializer.is_valid()
        # django-axes marks the request when this client is (now) locked out.
        if getattr(request, "axes_locked_out", False):
            raise LockedOut()
        if not valid:
            raise ValidationError(serializer.errors)
        token = tokens.issue(serializer.validated_data["user"])
        return Response({"token": token.key, "expires_at": tokens.expires_at(token)})

    @extend_schema(request=None, responses={204: None, **problems(401, 403)})
    def delete(self, request: Request) -> Response:
        """Revoke the caller's token; the next POST issues a new one."""
        Token.objects.filter(user_id=user_id(request)).delete()
        return Response(status=204)
