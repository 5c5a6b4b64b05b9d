"""MARC: climate-crisis readiness of security sectors."""

__version__ = "0.1.0"
