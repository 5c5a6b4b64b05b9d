"""Deprecated: moved to :mod:`marc.core.parsestore` (see :mod:`marc.core.moved`); this path goes in the next release."""

from marc.core.moved import forward

forward(__name__)
