"""django-oauth-toolkit (DOT) as its documentation sets it up: ``oauth2_provider`` in
INSTALLED_APPS, its URLs under ``/o/``, ``OAUTH2_PROVIDER`` scopes settings, and one
``Application`` per fixture client (client_type, authorization_grant_type; DOT hashes the
client_secret on save). The database is sqlite in a temporary directory, migrated at startup.
Served by Django's WSGI handler.

    python -m interop.django_oauth_toolkit.server   # prints "LISTENING <url>", until SIGTERM
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile

from interop.fixtures import (
    DEFAULT_SCOPES,
    KNOWN_SCOPES,
    TOKEN_LIFETIME_S,
    bind_loopback,
    fixture_clients,
)
from interop.wsgi import serve_wsgi

TOKEN_PATH = "/o/token/"  # noqa: S105 - a path
GRANT_TYPES = {"client_credentials": "client-credentials",
               "authorization_code": "authorization-code"}

def configure(db_dir: str) -> None:
    from django.conf import settings

    settings.configure(
        DEBUG=False,
        SECRET_KEY=secrets.token_urlsafe(32),
        ALLOWED_HOSTS=["127.0.0.1"],
        ROOT_URLCONF="interop.django_oauth_toolkit.urls",
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth",
                        "oauth2_provider"],
        MIDDLEWARE=[],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3",
                               "NAME": os.path.join(db_dir, "dot.sqlite3")}},
        USE_TZ=True,
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        PASSWORD_HASHERS=["django.contrib.auth.hashers.PBKDF2PasswordHasher"],
        OAUTH2_PROVIDER={
            "SCOPES": {s: f"{s} scope" for s in KNOWN_SCOPES},
            "DEFAULT_SCOPES": list(DEFAULT_SCOPES),
            "ACCESS_TOKEN_EXPIRE_SECONDS": TOKEN_LIFETIME_S,
        },
        LOGGING_CONFIG=None,
    )
    import django

    django.setup()


def register_clients() -> None:
    from django.core.management import call_command
    from oauth2_provider.models import get_application_model

    call_command("migrate", verbosity=0, interactive=False)
    application = get_application_model()
    for c in fixture_clients():
        # A public client keeps the secret DOT generates by default (as its admin form
        # does); it is never sent, so the client cannot authenticate.
        secret = {"client_secret": c.secret} if c.secret is not None else {}
        application.objects.create(
            name=c.role, client_id=c.client_id, **secret,
            client_type=application.CLIENT_CONFIDENTIAL if c.confidential
            else application.CLIENT_PUBLIC,
            authorization_grant_type=GRANT_TYPES[c.grant_types[0]],
            redirect_uris="https://client.example/cb"
            if "authorization_code" in c.grant_types else "",
            hash_client_secret=True,
        )


def main() -> None:
    db_dir = tempfile.mkdtemp(prefix="cc-interop-dot-")
    try:
        configure(db_dir)
        register_clients()
        from django.core.wsgi import get_wsgi_application

        sock = bind_loopback()
        serve_wsgi(get_wsgi_application(), sock, TOKEN_PATH)
    finally:
        shutil.rmtree(db_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
