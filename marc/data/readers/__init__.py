"""Readers: one function per source id, each turning a source folder into tidy panel rows.

``READERS[source_id](folder) -> ReaderResult`` (see :mod:`marc.data.readers.base`).  The folder is laid
out like the mirror folder of the same id (``data/cache/<source_id>/``).  Country group flags
(``country_groups``) are static and go to :func:`marc.data.countries.country_table`, not the panel.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from marc.data.readers import gcf, inform, ndc, ndgain, peacekeeping, security, sipri, ucdp, wdi, wgi
from marc.data.readers.base import ReaderResult

Reader = Callable[[Path], ReaderResult]

READERS: dict[str, Reader] = {
    wdi.PKG: wdi.read_package,
    wdi.API: wdi.read_api,
    wgi.SOURCE: wgi.read,
    ndgain.SOURCE: ndgain.read,
    inform.RISK: inform.read_risk,
    inform.CC: inform.read_climate_change,
    gcf.SOURCE: gcf.read,
    ucdp.SOURCE: ucdp.read,
    peacekeeping.SOURCE: peacekeeping.read,
    ndc.NDC: ndc.read_ndc,
    ndc.PARIS: ndc.read_paris,
    sipri.SOURCE: sipri.read,
    security.POLICE: security.read_police,
    security.PKO: security.read_pko_contributions,
    security.SDG: security.read_sdg,
}


def code_version() -> str:
    """A hash of the reader and harmonisation code: a change invalidates the processed panel."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.glob("*.py")) + [root.parent / name for name in ("countries.py", "panel.py", "panel_build.py")]:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


__all__ = ["READERS", "Reader", "ReaderResult", "code_version"]
