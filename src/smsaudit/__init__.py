"""smsaudit: audit marketing SMS sent to France."""

__version__ = "0.1.0"
