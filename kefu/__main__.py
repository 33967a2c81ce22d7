"""``kefu`` console script and ``python -m kefu``.

``kefu run`` serves with eventlet (or gevent, with ``--async-mode gevent`` or
``KEFU_ASYNC_MODE=gevent``).  Monkey-patching has to happen before anything imports
the socket, threading or ssl modules, so it is the first thing this module does, and
nothing above it imports Flask.  Every other sub-command is Flask's CLI
(``kefu db upgrade``, ``kefu create-user``, ``kefu train``, ...).
"""
import os
import sys


def main(argv=None):
    """Dispatch: ``run`` patches and serves; anything else goes to the Flask CLI."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "run":
        mode = os.environ.get("KEFU_ASYNC_MODE", "eventlet")
        rest = argv[1:]
        if "--async-mode" in rest:
            i = rest.index("--async-mode")
            mode = rest[i + 1] if i + 1 < len(rest) else ""
            del rest[i:i + 2]
        from kefu.patching import patch

        patch(mode)
        os.environ["KEFU_ASYNC_MODE"] = mode
        argv = ["serve", *rest]
    if not os.environ.get("KEFU_SECRET_KEY"):
        from kefu.config import PROJECT_ROOT, write_instance_config

        instance = os.environ.get("KEFU_INSTANCE_PATH") or str(PROJECT_ROOT / "instance")
        if write_instance_config(instance):
            print(f"Wrote {instance}/config.py with a new random SECRET_KEY.", file=sys.stderr)
    from flask.cli import FlaskGroup

    from kefu import create_app

    group = FlaskGroup(create_app=lambda: create_app(), add_default_commands=True,
                       help="kefu: chatbot-first customer support.")
    return group.main(args=argv, prog_name="kefu")


if __name__ == "__main__":
    main()
