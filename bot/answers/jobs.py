"""Publish- and mass-send-result events: recorded in a Redis stream for syndication to read."""

from __future__ import annotations

from bot.router import Incoming, Router
from bot.store import Keys
from bot.wechat.messages import mass_send_job_finished, publish_job_finished
from bot.wechat.replies import NoReply, Reply

STREAM_MAXLEN = 100_000


def register(router: Router) -> None:
    router.on_event("publishjobfinish", record_publish_result)
    router.on_event("masssendjobfinish", record_mass_send_result)


def record_publish_result(incoming: Incoming) -> Reply:
    """Append a PUBLISHJOBFINISH to the publish-events stream."""
    event = publish_job_finished(incoming.message)
    incoming.redis.xadd(Keys.PUBLISH_EVENTS, event.to_stream(), maxlen=STREAM_MAXLEN, approximate=True)
    return NoReply()


def record_mass_send_result(incoming: Incoming) -> Reply:
    """Append a MASSSENDJOBFINISH to the publish-events stream."""
    event = mass_send_job_finished(incoming.message)
    incoming.redis.xadd(Keys.PUBLISH_EVENTS, event.to_stream(), maxlen=STREAM_MAXLEN, approximate=True)
    return NoReply()
