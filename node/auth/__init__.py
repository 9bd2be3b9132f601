"""Signing in with the space's own identity provider (OpenID Connect), and the web sessions
that every way of signing in ends with."""
