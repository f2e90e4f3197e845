"""Websocket URL patterns (mounted under the ASGI app's AuthMiddlewareStack)."""

from django.urls import path

from tutor import consumers

websocket_urlpatterns = [
    path("ws/learner/", consumers.LearnerConsumer.as_asgi()),
]
