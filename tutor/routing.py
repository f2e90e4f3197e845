"""Websocket URL patterns (mounted under the ASGI app's AuthMiddlewareStack)."""

from django.urls import path

from tutor import consumers

websocket_urlpatterns = [
    path("ws/learner/", consumers.LearnerConsumer.as_asgi()),
    path("ws/explain/<int:attempt_id>/", consumers.ExplainConsumer.as_asgi()),
    path("ws/explain/problem/<int:instance_id>/", consumers.ExplainConsumer.as_asgi()),
]
