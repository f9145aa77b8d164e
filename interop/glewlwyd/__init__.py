"""Glewlwyd (Debian package glewlwyd): server.py makes its database and config, starts it on
loopback and sets it up through its admin REST API."""
