"""Answers that are files: a Word document or a PDF, named for saving."""

from __future__ import annotations

from typing import Any

from fastapi.responses import Response

from adapters.documents import Document
from adapters.documents.pdf import render_pdf
from adapters.documents.word import render_docx
from services.api.responses import Responses

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"


def file_responses(base: Responses, media_type: str, description: str) -> Responses:
    return {**base, 200: {"content": {media_type: {}}, "description": description}}


def docx_answer(doc: Document, filename: str, headers: dict[str, str] | None = None, **options: Any) -> Response:
    return Response(render_docx(doc, **options), media_type=DOCX, headers=_named(filename, ".docx", headers))


def pdf_answer(doc: Document, filename: str, headers: dict[str, str] | None = None, **options: Any) -> Response:
    return Response(render_pdf(doc, **options), media_type=PDF, headers=_named(filename, ".pdf", headers))


def _named(filename: str, extension: str, headers: dict[str, str] | None) -> dict[str, str]:
    return {**(headers or {}), "Content-Disposition": f'attachment; filename="{filename}{extension}"'}
