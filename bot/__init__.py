"""kefu's FAQ bot: intent files, training and prediction, independent of the web app."""

__all__ = []
