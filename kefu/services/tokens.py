"""Signed visitor tokens: the widget's only credential.

A token names one visitor and is signed with SECRET_KEY, so a visitor can resume its
own conversation after a reload but can never choose someone else's: any change to
the token breaks the signature.
"""
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from kefu.services.errors import ServiceError

SALT = "kefu.visitor-token.v1"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def issue_visitor_token(public_id: str) -> str:
    """A token that proves the bearer is visitor ``public_id``."""
    return _serializer().dumps({"v": public_id})


def read_visitor_token(token: str) -> str:
    """The visitor public id inside ``token``; ServiceError when forged or expired."""
    if not isinstance(token, str) or not token or len(token) > 512:
        raise ServiceError("invalid_token", "The visitor token is malformed.")
    try:
        data = _serializer().loads(token, max_age=current_app.config["VISITOR_TOKEN_MAX_AGE"])
    except SignatureExpired:
        raise ServiceError("token_expired", "The visitor token has expired; start a new chat.")
    except BadSignature:
        raise ServiceError("invalid_token", "The visitor token is not valid for this server.")
    if not isinstance(data, dict) or not isinstance(data.get("v"), str):
        raise ServiceError("invalid_token", "The visitor token is malformed.")
    return data["v"]
