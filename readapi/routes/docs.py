"""``/query/docs``: Swagger UI from files the app serves itself, with no inline script.

The assets come from ``drf-spectacular-sidecar`` (a pinned package, served under
``/static/``), so the page works offline and under ``script-src 'self'``; the page
links to the raw schema, ``/query/openapi.json``.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import HTMLResponse, Response

router = APIRouter(prefix="/query", include_in_schema=False)
SCHEMA = "/query/openapi.json"
# Django's STATIC_URL (config/settings.py) and the package's folder under it; the read
# side imports no Django (tests/e2e/test_docs_offline.py fetches every asset).
DIST = "/static/drf_spectacular_sidecar/swagger-ui-dist/"

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Trainer Profiles query API</title>
  <link rel="stylesheet" href="{css}">
  <link rel="icon" href="{icon}">
</head>
<body>
  <p style="font-family: sans-serif; margin: 0.5em 1em">OpenAPI schema:
    <a href="{schema}">{schema}</a></p>
  <div id="swagger-ui"></div>
  <script src="{js}"></script>
  <script src="/query/docs/init.js"></script>
</body>
</html>
"""

INIT = f"""SwaggerUIBundle({{
  url: "{SCHEMA}",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
}});
"""


@router.get("/docs")
async def docs() -> Response:
    return HTMLResponse(
        PAGE.format(
            css=DIST + "swagger-ui.css",
            js=DIST + "swagger-ui-bundle.js",
            icon=DIST + "favicon-32x32.png",
            schema=SCHEMA,
        )
    )


@router.get("/docs/init.js")
async def init() -> Response:
    return Response(INIT, media_type="text/javascript")
