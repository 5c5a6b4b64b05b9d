"""Run one `marc pull` (the library's ensure_report) on a test registry; killed at random by the kill loop.

    python pull_worker.py REGISTRY.yaml [MIRROR]   (MARC_DATA_DIR names the cache)
"""

import sys

from marc.data.pull import ensure_report
from marc.data.sources import load_registry

registry = load_registry(sys.argv[1])
mirror = sys.argv[2] if len(sys.argv) > 2 else None
ensure_report(None, mirror=mirror, progress=False, force=True, registry=registry)
