"""Websocket routes: the lab page's live fragments, and the lab's JSON event stream (API)."""

from django.urls import path

from api.consumers import LabEventsConsumer
from operations.live.consumers import LabLiveConsumer

websocket_urlpatterns = [
    path("ws/labs/<str:lab>/live", LabLiveConsumer.as_asgi()),
    path("ws/labs/<str:lab>/events", LabEventsConsumer.as_asgi()),
]
