"""Websocket routes. The lab event stream arrives with the Live issue (ROADMAP)."""

websocket_urlpatterns: list = []
