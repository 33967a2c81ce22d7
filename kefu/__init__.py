"""kefu: chatbot-first customer support.

This module stays import-light on purpose: ``python -m kefu run`` must monkey-patch
eventlet or gevent before Flask, SQLAlchemy or the socket module are imported, and
importing the package is the first thing that happens.  The factory lives in
:mod:`kefu.app` and is imported only when called.
"""


def create_app(test_config=None, **kwargs):
    """Build the Flask application (see :func:`kefu.app.create_app`)."""
    from kefu.app import create_app as _create_app

    return _create_app(test_config, **kwargs)
