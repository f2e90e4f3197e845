"""Channels consumers: thin relays. They authenticate, join groups and forward group events."""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from tutor.notify import learner_group


class LearnerConsumer(AsyncJsonWebsocketConsumer):
    """``ws/learner/``: live mastery updates for the signed-in learner's own open tabs.

    Sends ``{"type": "mastery", "changes": {skill code: P(mastered)}}`` after each counted answer.
    Anonymous connections are closed with code 4401. The consumer accepts no client messages.
    """

    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.group = learner_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        await self.send_json({"type": "error", "message": "This socket only sends updates."})

    async def mastery_update(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "mastery", "changes": event.get("changes", {})})
