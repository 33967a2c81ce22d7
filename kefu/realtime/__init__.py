"""Socket.IO namespaces: thin handlers that validate, call a service and emit."""


def init_app(app, socketio):
    """Register every namespace on ``socketio``."""
    from kefu.realtime.agent import AgentNamespace
    from kefu.realtime.studio import StudioNamespace
    from kefu.realtime.visitor import VisitorNamespace

    socketio.on_namespace(VisitorNamespace("/visitor"))
    socketio.on_namespace(AgentNamespace("/agent"))
    socketio.on_namespace(StudioNamespace("/studio"))
