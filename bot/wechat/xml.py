"""Parse WeChat's XML safely and render replies that a follower's text cannot break."""

from __future__ import annotations

import re
from typing import Any, NoReturn
from xml.parsers import expat

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
    tree = _TreeBuilder()
    try:
        _parser(tree).Parse(body, True)
    except expat.ExpatError:
        raise XMLRefused("body is not well-formed XML") from None
    return tree.result()


def _parser(tree: _TreeBuilder) -> Any:
    """An expat parser straight into dicts, with defusedxml's refusals as a second line.

    Straight expat rather than defusedxml's ElementTree (a pure-Python parser, then a tree to
    walk): the webhook parses twice a push, which took ~90 us a push and now ~52
    (bench/stages.py, docs/benchmarks.md). The byte scan above already refused every
    declaration; the handlers refuse them again should one get past it, as defusedxml does."""
    parser = expat.ParserCreate(None, "}")  # namespaces as ElementTree names them: {uri}tag
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _refuse_declaration
    parser.EntityDeclHandler = _refuse_declaration
    parser.UnparsedEntityDeclHandler = _refuse_declaration
    parser.ExternalEntityRefHandler = _refuse_declaration
    parser.StartElementHandler = tree.start
    parser.EndElementHandler = tree.end
    parser.CharacterDataHandler = tree.text
    return parser


def _refuse_declaration(*_: Any) -> NoReturn:
    raise XMLRefused("XML with a DTD or entity declarations is refused")


class _TreeBuilder:
    """Build the dict as expat reads: an element with children is a dict, a leaf its text."""

    def __init__(self) -> None:
        # One frame per open element: [name, its children so far (None: none yet), its text].
        self.stack: list[list[Any]] = []
        self.root: list[Any] | None = None

    def start(self, name: str, _attributes: Any) -> None:
        stack = self.stack
        if stack:
            if len(stack) > MAX_DEPTH:
                raise XMLRefused("XML nested too deeply")
            if stack[-1][1] is None:
                stack[-1][1] = {}
        stack.append([_name(name), None, []])

    def text(self, data: str) -> None:
        self.stack[-1][2].append(data)

    def end(self, _name: str) -> None:
        frame = self.stack.pop()
        name, children = frame[0], frame[1]
        value: Any = children if children is not None else "".join(frame[2])
        if not self.stack:
            self.root = [name, value]
            return
        siblings = self.stack[-1][1]
        if name in siblings:
            previous = siblings[name]
            siblings[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            siblings[name] = value

    def result(self) -> dict[str, Any]:
        assert self.root is not None  # expat refuses a document without a root element
        name, value = self.root
        if name != "xml":
            raise XMLRefused("root element must be <xml>")
        return value if isinstance(value, dict) else {}


def _name(name: str) -> str:
    return "{" + name if "}" in name else name


def cdata(value: str) -> str:
    """Wrap text in CDATA, splitting any ']]>' so it cannot close the section early."""
    value = _INVALID_XML_CHARS.sub("", value)
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def element(name: str, value: str | int) -> str:
    """Render one element: integers bare, strings in escaped CDATA."""
    if isinstance(value, int):
        return f"<{name}>{value}</{name}>"
    return f"<{name}>{cdata(value)}</{name}>"
