"""concord's web frontend: a Flask app that renders the reports of :mod:`concord.reports`.

``app.create_app`` builds the app (nothing imports it back); ``concord serve``
(:mod:`concord.cli.indexing`) runs it. Modules: ``resources`` holds the per-thread open
index, the deadline and the result cache (``cache``); ``options`` parses query parameters
into the library's option records; ``views`` are the routes; ``render`` turns one report
into its HTML page or a data twin; ``present``, ``chart`` and ``i18n`` hold template
helpers, the chart layout and the interface languages; ``server`` is the pooled WSGI
server. Nothing here imports whoosh or computes an answer.
"""
