"""/docs: Swagger UI from the swagger-ui-dist package npm installed, so it works with no internet.

FastAPI's own page loads Swagger UI from a CDN and starts it with an inline script, which the
Content-Security-Policy refuses; this page loads the same files from /static/swagger/ and starts
them from a file (static/swagger-init.js).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}: API documentation</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" type="image/png" href="/static/swagger/favicon-32x32.png">
<link rel="stylesheet" href="/static/swagger/swagger-ui.css">
</head>
<body>
<main id="swagger-ui"><p>The API's documentation needs JavaScript; its description is
<a href="/openapi.json">/openapi.json</a>.</p></main>
<script src="/static/swagger/swagger-ui-bundle.js"></script>
<script src="/static/lif/swagger-init.js"></script>
</body>
</html>
"""


def install_docs(app: FastAPI) -> None:
    page = PAGE.format(title=app.title)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(page)
