"""DOT's URLs as its tutorial mounts them: ``path("o/", include("oauth2_provider.urls"))``."""

from django.urls import include, path

urlpatterns = [path("o/", include("oauth2_provider.urls", namespace="oauth2_provider"))]
