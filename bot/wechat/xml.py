"""Parse WeChat's XML safely and render replies that a follower's text cannot break."""

from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

# WeChat messages are flat, apart from PublishEventInfo/article_detail/item and the like.
MAX_DEPTH = 6
# A DTD is refused before any parser sees it: expat 2.5 (CPython 3.11) has allocation CVEs.
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)", re.IGNORECASE)
# Characters XML 1.0 forbids; a reply containing one would not parse on WeChat's side.
_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class XMLRefused(ValueError):
    """The XML was refused; the message says why in a few words."""


def parse(body: bytes) -> dict[str, Any]:
    """Parse `<xml>…</xml>` into a dict (text leaves, nested dicts, lists for repeats)."""
    if _DECLARATION.search(body):
        raise XMLRefused("XML with a DTD or entity declarations is refused")
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise XMLRefused("XML with a DTD or entity declarations is refused") from None
    except ParseError:
        raise XMLRefused("body is not well-formed XML") from None
    if root.tag != "xml":
        raise XMLRefused("root element must be <xml>")
    return _children(root, 1)


def _children(element: Element, depth: int) -> dict[str, Any]:
    if depth > MAX_DEPTH:
        raise XMLRefused("XML nested too deeply")
    result: dict[str, Any] = {}
    for child in element:
        value: Any = _children(child, depth + 1) if len(child) else (child.text or "")
        if child.tag in result:
            previous = result[child.tag]
            result[child.tag] = (
                [*previous, value] if isinstance(previous, list) else [previous, value]
            )
        else:
            result[child.tag] = value
    return result


def cdata(value: str) -> str:
    """Wrap text in CDATA, splitting any ']]>' so it cannot close the section early."""
    value = _INVALID_XML_CHARS.sub("", value)
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def element(name: str, value: str | int) -> str:
    """Render one element: integers bare, strings in escaped CDATA."""
    if isinstance(value, int):
        return f"<{name}>{value}</{name}>"
    return f"<{name}>{cdata(value)}</{name}>"
