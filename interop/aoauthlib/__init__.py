"""aoauthlib (async fork of oauthlib, the API of the seed document) as a grant-object target."""
