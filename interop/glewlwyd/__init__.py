"""Glewlwyd (Debian package glewlwyd, 2.7.x): listed in interop.servers, not run yet (see
``interop.servers.GLEWLWYD_NOT_RUN`` for the reason ``make interop`` prints)."""
