"""MARC: climate-crisis readiness of security sectors."""

__version__ = "0.1.0"

#: The stages of ``marc/``, in the order the data flows (docs/architecture.md).  A module imports only from its own
#: stage or an earlier one, never in a circle (tests/test_layout.py walks every import to check this).
STAGES = ("core", "data", "method", "scoring", "hazards", "analysis", "pipeline", "reporting", "cli")
