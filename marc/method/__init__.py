"""Stage 2, method: the framework as data.  The pydantic schema of the indicator YAML (``framework``, ``framework_base``,
``uncertainty_settings``), the loader that validates a framework folder with located errors (``loader``, ``suggest``,
``migrate``), derived-indicator expressions (``expression``), expert evidence and its review (``evidence``, ``review``),
framework unit lists (``units``), context flags (``context``) and score orientation (``orientation``).
"""
