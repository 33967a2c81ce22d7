"""Data flows one way: kefu.services imports no circle and never the transport.

Read from the source with ``ast`` (not from ``sys.modules``), so a circle hidden by an
import inside a function counts too.
"""
import ast
import importlib
import pkgutil

import kefu.services
from kefu.config import PROJECT_ROOT

SERVICES = PROJECT_ROOT / "kefu" / "services"


def _imports(path) -> set:
    """Every module a file imports, at any depth of the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def _graph() -> dict:
    modules = {f"kefu.services.{m.name}" for m in pkgutil.iter_modules(kefu.services.__path__)}
    return {name: {i for i in _imports(SERVICES / f"{name.rsplit('.', 1)[1]}.py")
                   if i in modules and i != name}
            for name in modules}


def test_every_service_module_imports():
    for module in pkgutil.iter_modules(kefu.services.__path__):
        importlib.import_module(f"kefu.services.{module.name}")


def test_the_services_import_each_other_without_a_circle():
    graph, done, path = _graph(), set(), []

    def visit(name):
        if name in path:
            raise AssertionError("import circle: " + " -> ".join(path[path.index(name):]
                                                                 + [name]))
        if name in done:
            return
        path.append(name)
        for imported in sorted(graph[name]):
            visit(imported)
        path.pop()
        done.add(name)

    for name in sorted(graph):
        visit(name)


def test_no_service_imports_the_transport():
    offenders = {path.name: sorted(i for i in _imports(path)
                                   if i.startswith(("kefu.realtime", "flask_socketio")))
                 for path in SERVICES.glob("*.py")}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_the_transport_never_writes_the_database():
    """kefu/realtime only calls services: it never holds a session of its own."""
    for path in (PROJECT_ROOT / "kefu" / "realtime").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "db.session" not in source and "kefu.extensions import db" not in source, \
            path.name
        assert not {i for i in _imports(path) if i.startswith("kefu.models")}, path.name
