"""Helpers for the admin page tests: sign in as someone, read parts of a rendered page."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from tests.test_admin_auth import PASSWORD, AuthActions

SVG = "{http://www.w3.org/2000/svg}"


def signed_in(app, name: str, password: str = PASSWORD):
    """A test client of `app` signed in as `name` (the user must exist)."""
    client = app.test_client()
    response = AuthActions(client).login(name, password)
    assert response.status_code == 302, f"{name} could not sign in"
    client.get("/")  # signing in starts a new session: a page gives it its CSRF token
    return client


def csrf_of(client) -> str:
    with client.session_transaction() as session:
        return session["csrf"]


def post(client, path: str, **form: str):
    """POST a form with the session's CSRF token, as the page's own form would."""
    return client.post(path, data={"csrf_token": csrf_of(client), **form})


def block(page: str, attribute: str, value: str) -> str:
    """The element (article/li) whose `attribute` is `value`, as text up to its end tag."""
    found = re.search(
        rf'<(article|li)\b[^>]*\b{attribute}="{re.escape(value)}"[^>]*>(.*?)</\1>', page, re.S
    )
    assert found, f'no element with {attribute}="{value}"'
    return found.group(2)


def text(html: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def svg_of(page: str, chart_id: str) -> ET.Element:
    """The chart's SVG, parsed (it must be well-formed XML)."""
    found = re.search(rf'<figure class="chart" id="{chart_id}">.*?(<svg.*?</svg>)', page, re.S)
    assert found, f"no chart {chart_id}"
    return ET.fromstring(found.group(1))


def bars(svg: ET.Element) -> list[dict[str, str]]:
    return [rect.attrib for rect in svg.iter(f"{SVG}rect") if rect.get("class") == "bar"]
