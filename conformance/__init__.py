"""cc-conformance: conformance suite for the OAuth 2.0 Client Credentials grant (RFC 6749 §4.4)."""

__version__ = "0.1.0"
