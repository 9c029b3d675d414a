"""The welcome, the keyword menu, and the answer for anything not understood."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.questions import guess
from bot.router import Incoming, Router, keywords
from bot.wechat.replies import NoReply, Reply, TextReply

# Menu (click) keys the bot answers; the account menus pushed with `csj menu push` use these.
HELP_KEY = "HELP"

HELP_WORDS = ("帮助", "菜单", "help", "menu", "?", "你好", "您好", "hi", "hello", "在吗", "功能")
THANKS_WORDS = ("谢谢", "谢谢你", "谢谢您", "多谢", "感谢", "谢了", "thanks", "thank you", "辛苦了")


@dataclass
class Menu:
    """What the bot can do, as keyword lines; each answer module adds its own."""

    entries: list[tuple[str, str]] = field(default_factory=list)

    def add(self, keyword: str, description: str) -> None:
        self.entries.append((keyword, description))

    def lines(self) -> str:
        return "\n".join(f"· 回复「{k}」{d}" for k, d in self.entries)


def register(router: Router, menu: Menu) -> None:
    """Wire the welcome, help and fallback answers."""
    menu.add("帮助", "：查看本菜单")
    router.on_event("subscribe", lambda incoming: welcome(incoming, menu))
    router.on_text(keywords(*HELP_WORDS), lambda incoming: help_menu(incoming, menu))
    router.on_click(HELP_KEY, lambda incoming: help_menu(incoming, menu))
    router.on_text(keywords(*THANKS_WORDS), thanks)
    for event in (
        "unsubscribe",
        "location",
        "view",
        "view_miniprogram",
        "templatesendjobfinish",
        "scan",
    ):
        router.on_event(event, lambda incoming: NoReply())  # system events: a reply would be spam


def welcome(incoming: Incoming, menu: Menu) -> Reply:
    """Greet a new follower and say what the bot can do."""
    return TextReply(
        f"欢迎关注{incoming.account.name}！\n"
        "「美丽长三角」是沪苏浙皖三省一市生态环境部门的联合专栏。您可以：\n"
        f"{menu.lines()}"
    )


def help_menu(incoming: Incoming, menu: Menu) -> Reply:
    """List the keywords."""
    return TextReply(f"您好，这里是{incoming.account.name}·美丽长三角。\n{menu.lines()}")


def thanks(incoming: Incoming) -> Reply:
    """A thank-you gets a kind word and one hint, not "not understood" and the menu."""
    return TextReply(
        "不客气！想了解空气质量，随时问我，比如「明天空气怎么样」；回复「帮助」查看全部功能。"
    )


def not_understood(incoming: Incoming, menu: Menu) -> Reply:
    """Anything no answer took: say so kindly and show the keywords, never silence."""
    message = incoming.message
    if message.type == "voice":
        opening = "抱歉，没有听清您的语音，可以试试打字发送。"
    elif incoming.is_textual:
        # Not a silent shrug: one line guessing what the follower may want, then the menu.
        opening = "抱歉，暂时没有看懂您的问题。\n" + guess(incoming.text, incoming.now)
    else:
        opening = "收到！目前我可以回答文字提问。"
    return TextReply(f"{opening}\n{menu.lines()}")
