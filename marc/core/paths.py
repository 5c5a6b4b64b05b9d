"""Where the project and its raw-data cache are: the folder holding ``data/sources.yaml`` and ``data/cache``.

Found from the package location (a source checkout, an editable install), else the current folder (an installed
wheel run inside a project folder).  ``$MARC_DATA_DIR`` moves the cache.
"""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    """The folder holding ``data/sources.yaml``, found from the package location, else the cwd."""
    for folder in Path(__file__).resolve().parents:
        if (folder / "data" / "sources.yaml").is_file():
            return folder
    return Path.cwd()


def cache_root() -> Path:
    """``$MARC_DATA_DIR``, or ``<project root>/data/cache``."""
    env = os.environ.get("MARC_DATA_DIR")
    return Path(env).expanduser().resolve() if env else project_root() / "data" / "cache"
