"""Turning submitted fields and files into an ArticleInput: shared by the posts API and the form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from syndication import sources
from syndication.articles import ArticleError
from syndication.sources import ArticleInput, Loader


def build(
    meta: dict[str, Any],
    body: Any,
    body_format: Any,
    cover: tuple[str, bytes] | None,
    files: Mapping[str, bytes],
    problems: list[str],
    *,
    where: str,
    load: Loader | None = None,
) -> ArticleInput:
    """Check every field at once (sources.build_input), adding the problems found so far.

    `files` are the uploaded images by the name the body uses; `load` (default: those files,
    then URLs downloaded) finds the rest.
    """
    if not isinstance(body, str):
        problems.append(f"{where}：缺少 body（正文，Markdown 或 HTML 文本）")
        body = ""
    try:
        data = sources.build_input(
            meta,
            body,
            str(body_format),
            where=where,
            load=load or sources.supplied_loader(files),
            cover=cover,
        )
    except ArticleError as exc:
        raise ArticleError(problems + exc.problems) from None
    if problems:
        raise ArticleError(problems)
    return data
