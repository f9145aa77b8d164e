"""Grant types of the reference (only client credentials, RFC 6749 §4.4)."""

from .client_credentials import ClientCredentialsGrant

__all__ = ["ClientCredentialsGrant"]
