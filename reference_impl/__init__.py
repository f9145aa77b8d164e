"""cc-conformance reference implementation: an async OAuth 2.0 client credentials grant
(RFC 6749 §4.4) with a strict HTTP token endpoint, an ASGI app and a uvicorn CLI.

The public API follows oauthlib's shape, but every protocol method is a coroutine.
"""

from .common import Request
from .endpoint import TokenEndpoint
from .errors import (
    InvalidClientError,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Error,
    UnauthorizedClientError,
    UnsupportedGrantTypeError,
    UnsupportedResponseTypeError,
)
from .grant_types import ClientCredentialsGrant
from .registry import Client, ClientRegistry, demo_registry, hash_secret, verify_secret
from .registry_validator import RegistryRequestValidator
from .request_validator import RequestValidator
from .tokens import BearerToken

__all__ = [
    "BearerToken",
    "Client",
    "ClientCredentialsGrant",
    "ClientRegistry",
    "InvalidClientError",
    "InvalidGrantError",
    "InvalidRequestError",
    "InvalidScopeError",
    "OAuth2Error",
    "RegistryRequestValidator",
    "Request",
    "RequestValidator",
    "TokenEndpoint",
    "UnauthorizedClientError",
    "UnsupportedGrantTypeError",
    "UnsupportedResponseTypeError",
    "demo_registry",
    "hash_secret",
    "verify_secret",
]
