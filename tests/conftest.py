"""Fixtures shared by every test package."""

from feedserver import feed_server

__all__ = ["feed_server"]
