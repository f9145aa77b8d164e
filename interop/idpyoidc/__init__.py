"""idpyoidc (the OAuth 2 / OpenID Connect server library behind SATOSA) as an interop server."""
