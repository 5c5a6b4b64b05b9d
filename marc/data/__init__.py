"""Stage 1, data: the source registry and raw-data cache (``sources``, ``download``, ``bundle``, ``pull``, ``recovery``),
country identity (``countries``, ``territories``), one reader per source (``readers``) and the tidy panel they feed (``panel``,
``panel_build``), its quality report (``quality``) and unit boundaries with their geometry (``boundaries``, ``geometry``).
"""
