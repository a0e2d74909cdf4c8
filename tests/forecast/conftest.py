"""The dashboard's browser-like client and token maker, for the forecast's pages."""

from tests.dashboard.conftest import make_token, web

__all__ = ["make_token", "web"]
