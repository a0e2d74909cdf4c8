"""Tokens, roles and agency scope (`deps.py` holds what routers use)."""
