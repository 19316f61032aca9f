from django.urls import path

from .api import api

# The API authenticates on its own (token or session) and answers 401 in vSphere's format: the
# site-wide LoginRequiredMiddleware must not redirect it to the login page.
api_patterns, api_app, api_namespace = api.urls
for pattern in api_patterns:
    pattern.callback.login_required = False

urlpatterns = [path("api/", (api_patterns, api_app, api_namespace))]


def api_errors_as_json(get_response):
    """Django's own 404 and 405 under /api/ (no such path, wrong method) in vSphere REST's format."""
    import json

    from django.http import HttpResponse

    from .errors import body

    def middleware(request):
        response = get_response(request)
        if request.path.startswith("/api/") and response.status_code in (404, 405) and \
                not response.get("Content-Type", "").startswith("application/json"):
            kind, text = (("NOT_FOUND", f"No API operation at {request.path}.") if response.status_code == 404 else
                          ("INVALID_ARGUMENT", f"{request.method} is not allowed on {request.path}."))
            replaced = HttpResponse(json.dumps(body(kind, text)), status=response.status_code,
                                    content_type="application/json")
            if response.has_header("Allow"):
                replaced["Allow"] = response["Allow"]
            return replaced
        return response
    return middleware
