"""Flask extensions, created unbound here and bound to the app in the factory.

Keeping them in one module lets services, models and blueprints import them without
importing the application (no circular imports).
"""
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase

from kefu.security import client_address


class Base(DeclarativeBase):
    """Declarative base shared by every model."""


# Services commit and then serialise what they wrote; each call has its own short-lived
# session (kefu.concurrency), so reloading every attribute after a commit only costs queries.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=client_address)
socketio = SocketIO()
