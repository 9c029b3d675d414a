"""Route a message to the answer that handles it: by type, event, menu key, then text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.config import Account
from bot.text import normalise
from bot.wechat.messages import Message
from bot.wechat.replies import Reply


@dataclass(frozen=True)
class Incoming:
    """What an answer sees: the message, its normalised text, and the resources it may use."""

    message: Message
    text: str  # normalised text of a text message or of a voice message's Recognition
    account: Account
    redis: Any
    now: datetime  # Asia/Shanghai
    uploader: Any = None  # (account, bytes, file name) -> media_id, for answers that send images
    # Redis SETs (key, value, seconds) an answer asks for: made with the stored reply, in the
    # same round trip (bot.exchange.Computed), so a follow-up context costs no extra trip.
    writes: list[tuple[str, str, int]] = field(default_factory=list)
    # False on the first attempt (bot.exchange): `redis` only reads; an answer that needs an
    # effect raises bot.effects.NeedsClaim and is answered again, claim-first, with effects.
    effects: bool = True

    @property
    def is_textual(self) -> bool:
        return self.message.type == "text" or bool(self.message.recognition)


Handler = Callable[[Incoming], Reply | None]
Matcher = Callable[[str], bool]
Finisher = Callable[[Incoming, Reply], Reply]


class Router:
    """An ordered table of handlers; the fallback answers whatever nothing else took."""

    def __init__(self, fallback: Handler) -> None:
        self.fallback = fallback
        self._types: dict[str, Handler] = {}
        self._events: dict[str, Handler] = {}
        self._clicks: dict[str, Handler] = {}
        self._texts: list[tuple[Matcher, Handler]] = []
        self._finishers: list[Finisher] = []

    def on_type(self, msg_type: str, handler: Handler) -> None:
        self._types[msg_type] = handler

    def on_event(self, event: str, handler: Handler) -> None:
        self._events[event.lower()] = handler

    def on_click(self, key: str, handler: Handler) -> None:
        self._clicks[key] = handler

    def on_text(self, matcher: Matcher, handler: Handler) -> None:
        """Try `handler` on texts `matcher` accepts; a handler returning None passes them on."""
        self._texts.append((matcher, handler))

    def on_reply(self, finisher: Finisher) -> None:
        """Pass every reply through `finisher` (e.g. to lead with a notice the follower is owed)."""
        self._finishers.append(finisher)

    def incoming(
        self,
        message: Message,
        account: Account,
        redis: Any,
        now: datetime,
        uploader: Any = None,
        effects: bool = True,
    ) -> Incoming:
        """Wrap a message for the handlers, normalising its text once."""
        text = message.content if message.type == "text" else message.recognition
        return Incoming(message, normalise(text), account, redis, now, uploader, effects=effects)

    def route(self, incoming: Incoming) -> Reply:
        """Return the reply for a message; never None, never raises for unknown input."""
        reply = self._route(incoming)
        for finisher in self._finishers:
            reply = finisher(incoming, reply)
        return reply

    def _route(self, incoming: Incoming) -> Reply:
        message = incoming.message
        if message.type == "event":
            handler = self._handler_for_event(message)
            return (handler(incoming) if handler else None) or self.fallback(incoming)
        if incoming.is_textual:
            return self._route_text(incoming)
        handler = self._types.get(message.type)
        return (handler(incoming) if handler else None) or self.fallback(incoming)

    def _handler_for_event(self, message: Message) -> Handler | None:
        if message.event == "click" and message.event_key in self._clicks:
            return self._clicks[message.event_key]
        return self._events.get(message.event)

    def _route_text(self, incoming: Incoming) -> Reply:
        for matcher, handler in self._texts:
            if matcher(incoming.text):
                reply = handler(incoming)
                if reply is not None:
                    return reply
        return self.fallback(incoming)


def keywords(*words: str) -> Matcher:
    """Match a text that is exactly one of `words` (spaces ignored)."""
    wanted = frozenset(w.replace(" ", "") for w in words)
    return lambda text: text.replace(" ", "") in wanted
