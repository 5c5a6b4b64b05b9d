"""Foundations every stage may use: located errors (``errors``), atomic backed-up writes (``atomic``), translations
(``i18n`` and the gettext catalogues in ``locales/``), and YAML 1.2 reading and writing with its parse caches (``yamlio``,
``parsecache``, ``parsestore``), plus where the project and its data cache are (``paths``).  Nothing here imports a later stage.
"""
