"""Channels that carry notifications out of the system (an outbox file here; SMS or WeChat in production)."""
