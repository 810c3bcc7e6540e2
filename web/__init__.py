"""concord's web frontend: a Flask app over the same library functions as the CLI.

``web.app.create_app`` builds the app; ``concord serve`` (``web.cli``) runs it. Modules:
``options`` parses query parameters, ``pages`` computes each page's data once, ``views``
renders it as HTML or streams it as a data twin, ``chart`` lays out the frequency chart,
``present`` and ``i18n`` hold template helpers and the interface languages, ``server`` is
the pooled WSGI server. Nothing here imports whoosh.
"""
