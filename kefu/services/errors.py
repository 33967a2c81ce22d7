"""The one error type services raise: a stable code for clients and a message for people."""


class ServiceError(Exception):
    """A request that cannot be served as asked; ``code`` is part of the public protocol."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def to_dict(self) -> dict:
        """The ``error`` object of an ack or response."""
        return {"code": self.code, "message": self.message}
