"""Request guards that run before anything else looks at the request."""

import json

from django.http import HttpResponse
from django.urls import get_resolver

from api.errors import body


def refuse_nul_in_path(get_response):
    """A path with a NUL character names nothing: 404, before a view passes it to the database
    (PostgreSQL refuses NUL in text, which would be a 500). Under /api/ in the API's format."""

    def middleware(request):
        if "\x00" in request.path:
            if request.path.startswith("/api/"):
                return HttpResponse(json.dumps(body("NOT_FOUND", "No API operation at this path: it contains a NUL "
                                                                 "character.")),
                                    status=404, content_type="application/json")
            return get_resolver().resolve_error_handler(404)(request, exception=None)
        return get_response(request)

    return middleware
