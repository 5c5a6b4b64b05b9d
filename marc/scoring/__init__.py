"""Stage 3, scoring: the engine that turns a framework and a tidy panel into scores with provenance (``engine``), and its
parts: gap-filling (``gapfill``), normalisation (``normalise``), weighted aggregation (``aggregate``), coverage
(``coverage``), ranks (``ranking``) and offered editions (``editions``).
"""
