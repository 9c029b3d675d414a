"""Publish- and mass-send-result events: recorded in a Redis stream for syndication to read."""

from __future__ import annotations

from bot.router import Incoming, Router
from bot.store import Keys
from bot.wechat.messages import mass_send_job_finished, publish_job_finished
from bot.wechat.replies import NoReply, Reply

STREAM_MAXLEN = 100_000
SEEN_TTL = 7 * 86400

# Append once: redis-py retries a command whose connection dropped, and an XADD that ran but
# lost its reply would otherwise be appended twice. The guard and the stream share a hash tag.
_APPEND_ONCE = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3))
end
return false
"""


def register(router: Router) -> None:
    router.on_event("publishjobfinish", record_publish_result)
    router.on_event("masssendjobfinish", record_mass_send_result)


def record_publish_result(incoming: Incoming) -> Reply:
    """Append a PUBLISHJOBFINISH to the publish-events stream."""
    event = publish_job_finished(incoming.message)
    _append_once(incoming, f"{event.account}:publish:{event.publish_id}", event.to_stream())
    return NoReply()


def record_mass_send_result(incoming: Incoming) -> Reply:
    """Append a MASSSENDJOBFINISH to the publish-events stream."""
    event = mass_send_job_finished(incoming.message)
    _append_once(incoming, f"{event.account}:mass:{event.msg_id}", event.to_stream())
    return NoReply()


def _append_once(incoming: Incoming, event_id: str, fields: dict[str, str]) -> None:
    flat = [item for pair in fields.items() for item in pair]
    incoming.redis.eval(
        _APPEND_ONCE,
        2,
        Keys.publish_event_seen(event_id),
        Keys.PUBLISH_EVENTS,
        SEEN_TTL,
        STREAM_MAXLEN,
        *flat,
    )
