"""Websocket routes. The lab's JSON event stream (API); the Live issue adds the pages' own."""

from django.urls import path

from api.consumers import LabEventsConsumer

websocket_urlpatterns = [
    path("ws/labs/<str:lab>/events", LabEventsConsumer.as_asgi()),
]
