"""Adapters: databases, banks and channels behind the ports."""
