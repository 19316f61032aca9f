import json

from django.http import HttpResponse
from django.urls import path

from .api import api
from .errors import body

# The API authenticates on its own (token or session) and answers 401 in vSphere's format: the
# site-wide LoginRequiredMiddleware must not redirect it to the login page.
api_patterns, api_app, api_namespace = api.urls
for pattern in api_patterns:
    pattern.callback.login_required = False

urlpatterns = [path("api/", (api_patterns, api_app, api_namespace))]

REPLACED = {
    400: lambda r: ("INVALID_ARGUMENT", "The request could not be read: its body is too large or malformed."),
    404: lambda r: ("NOT_FOUND", f"No API operation at {r.path}."),
    405: lambda r: ("INVALID_ARGUMENT", f"{r.method} is not allowed on {r.path}."),
    500: lambda r: ("ERROR", "A general system error occurred. The server log has the details."),
}


def api_errors_as_json(get_response):
    """Django's own answers under /api/ in vSphere REST's format: 404 and 405 (no such path, wrong
    method), 400 (a body Django refused to parse, e.g. above DATA_UPLOAD_MAX_MEMORY_SIZE) and 500
    (a defect: its traceback is in the server log, not in the answer)."""

    def middleware(request):
        response = get_response(request)
        if request.path.startswith("/api/") and response.status_code in REPLACED and \
                not response.get("Content-Type", "").startswith("application/json"):
            kind, text = REPLACED[response.status_code](request)
            replaced = HttpResponse(json.dumps(body(kind, text)), status=response.status_code,
                                    content_type="application/json")
            if response.has_header("Allow"):
                replaced["Allow"] = response["Allow"]
            return replaced
        return response
    return middleware
