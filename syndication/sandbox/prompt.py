"""The `csj chat` prompt: a line is a message, or a /command for the other things followers do."""

from __future__ import annotations

import shlex

from syndication.sandbox.chat import Follower

HELP = """命令：
  直接输入文字        以粉丝身份发消息
  /subscribe          关注公众号
  /unsubscribe        取消关注
  /click KEY          点击菜单（事件 KEY）
  /location 纬度 经度  发送位置，如 /location 31.23 121.47
  /voice 文字          发送语音（文字为微信的语音识别结果）
  /retry              重发上一条（同一个 MsgId，新的签名，和微信的重试一样）
  /inbox              查看公众号发来的客服消息（每条消息后也会自动显示）
  /help               显示本帮助
  /quit               退出"""


class Quit(Exception):
    """The user typed /quit."""


def run_line(follower: Follower, line: str) -> list[str]:
    """Run one line of the prompt (a message or a /command); return what to print."""
    line = line.strip()
    if not line:
        return []
    if not line.startswith("/"):
        return follower.say(line).lines() + follower.inbox()
    try:
        command, *args = shlex.split(line)
    except ValueError as exc:
        return [f"命令格式不对：{exc}"]
    return _command(follower, command, args) + follower.inbox()


def _command(follower: Follower, command: str, args: list[str]) -> list[str]:
    if command in ("/quit", "/exit"):
        raise Quit()
    if command == "/help":
        return [HELP]
    if command == "/inbox":
        return []  # run_line appends what arrived
    simple = {
        "/subscribe": follower.subscribe,
        "/unsubscribe": follower.unsubscribe,
        "/retry": follower.retry,
    }
    if command in simple and not args:
        return simple[command]().lines()
    if command == "/click" and len(args) == 1:
        return follower.click(args[0]).lines()
    if command == "/voice" and args:
        return follower.voice(" ".join(args)).lines()
    if command == "/location" and len(args) in (2, 3):
        try:
            lat, lng = float(args[0]), float(args[1])
        except ValueError:
            return ["用法：/location 纬度 经度，例如 /location 31.23 121.47"]
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            return ["纬度应在 -90 到 90 之间，经度应在 -180 到 180 之间"]
        return follower.location(lat, lng, args[2] if len(args) == 3 else "").lines()
    return [f"不认识的命令或参数不对：{command}。输入 /help 查看命令。"]
