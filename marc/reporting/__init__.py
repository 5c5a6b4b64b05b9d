"""Stage 7, reporting: everything a user sees or takes away.  Data behind the app views (``views``, ``matrix``,
``profile``, ``face``, ``snapshot``, ``access``), charts and maps (``charts``, ``webmap``, ``palette``,
``subnational_charts``), exports (``export``, ``export_tables``, ``export_gis``, ``export_xlsx``, ``datapackage``,
``spreadsheet``, ``outputs``) and country briefs (``brief`` and its ``brief_*`` modules, ``subnational_brief``).
"""
