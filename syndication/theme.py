"""The column's inline styles: WeChat zeroes margins and sizes, so every block says its own."""

from __future__ import annotations

FONT = (
    "-apple-system-font,BlinkMacSystemFont,Helvetica Neue,PingFang SC,Hiragino Sans GB,"
    "Microsoft YaHei UI,Microsoft YaHei,Arial,sans-serif"
)
MONO = "Menlo,Consolas,Monaco,Courier New,monospace"
TEXT = "font-size:16px;line-height:1.75;color:#3f3f3f"
ACCENT = "#1f7a4d"  # a quiet green for the column; never pure black (the editor drops it)
LINK = "#576b95"  # WeChat's own link colour

ROOT = (
    f"margin:0;padding:0 8px;{TEXT};font-family:{FONT};letter-spacing:0.034em;word-wrap:break-word"
)
_HEADING = "margin:1.6em 0 0.8em;font-weight:bold;line-height:1.4;color:#3f3f3f"

STYLES: dict[str, str] = {
    "p": f"margin:0 0 1.2em;{TEXT};text-align:justify",
    "h1": f"{_HEADING};font-size:22px;text-align:center",
    "h2": f"{_HEADING};font-size:20px;padding-bottom:0.3em;border-bottom:2px solid {ACCENT}",
    "h3": f"{_HEADING};font-size:18px;padding-left:0.6em;border-left:4px solid {ACCENT}",
    "h4": f"{_HEADING};font-size:17px",
    "h5": f"{_HEADING};font-size:16px",
    "h6": f"{_HEADING};font-size:16px;color:#595959",
    "blockquote": (
        f"margin:1.2em 0;padding:0.8em 1em;border-left:4px solid {ACCENT};"
        "background:#f4f8f5;color:#595959;font-size:15px;line-height:1.75"
    ),
    "ul": "margin:0.8em 0 1.2em;padding-left:1.6em;list-style-type:disc;color:#3f3f3f",
    "ol": "margin:0.8em 0 1.2em;padding-left:1.6em;list-style-type:decimal;color:#3f3f3f",
    "li": "margin:0.3em 0",
    "hr": "margin:2em 0;border:0;border-top:1px solid #e0e0e0;height:0",
    "strong": "font-weight:bold",
    "b": "font-weight:bold",
    "em": "font-style:italic",
    "i": "font-style:italic",
    "del": "text-decoration:line-through",
    "s": "text-decoration:line-through",
    "sup": "font-size:75%;line-height:0",
    "sub": "font-size:75%;line-height:0",
    "code": (
        f"margin:0 2px;padding:2px 4px;font-size:90%;font-family:{MONO};"
        "color:#c7254e;background:#f6f8fa;border-radius:4px"
    ),
    "pre": (
        "margin:1em 0;padding:1em;overflow-x:auto;background:#f6f8fa;border-radius:6px;"
        "font-size:14px;line-height:1.6;color:#3f3f3f"
    ),
    "table": "width:100%;margin:0;border-collapse:collapse;font-size:14px;line-height:1.6",
    "th": "padding:5px 10px;border:1px solid #dddddd;background:#f7f7f7;font-weight:bold",
    "td": "padding:5px 10px;border:1px solid #dddddd",
    "figure": "margin:1.5em 0;text-align:center",
    "figcaption": "margin-top:0.5em;font-size:14px;line-height:1.5;color:#888888;text-align:center",
    "img": "display:block;max-width:100%;height:auto;margin:0 auto",
    "a": f"color:{LINK};text-decoration:none",
}
LIST_ITEM = f"{TEXT};text-align:left"  # the one <section> inside each <li>
QUOTE_P = "margin:0.4em 0;font-size:15px;line-height:1.75;color:#595959"
INLINE_IMG = "display:inline-block;max-width:100%;height:auto;vertical-align:middle"
CODE_BLOCK = f"display:-webkit-box;font-family:{MONO};font-size:14px;white-space:nowrap"
TABLE_SCROLL = "max-width:100%;margin:1.2em 0;overflow-x:auto"
DEEP_LIST = "margin:0.2em 0 0.2em 1em"  # a third list level, drawn as indented rows
FOOTNOTE_REF = f"color:{LINK};font-size:75%;line-height:0"
NOTES = "margin:2em 0 0;padding-top:1em;border-top:1px solid #e0e0e0"
NOTES_TITLE = "margin:0 0 0.6em;font-size:15px;font-weight:bold;line-height:1.6;color:#3f3f3f"
NOTE = "margin:0 0 0.3em;font-size:12px;line-height:1.6;color:#888888;word-break:break-all"
