"""Deprecated: moved to :mod:`marc.reporting.brief_docx` (see :mod:`marc.core.moved`); this path goes in the next release."""

from marc.core.moved import forward

forward(__name__)
