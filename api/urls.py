from django.urls import path

from .api import api

# The API authenticates on its own (token or session) and answers 401 in vSphere's format: the
# site-wide LoginRequiredMiddleware must not redirect it to the login page.
api_patterns, api_app, api_namespace = api.urls
for pattern in api_patterns:
    pattern.callback.login_required = False

urlpatterns = [path("api/", (api_patterns, api_app, api_namespace))]
