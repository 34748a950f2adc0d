"""argparse's own texts (usage, options, errors) in Chinese.

argparse looks every message up through its module-level gettext functions at the moment it prints,
so replacing them is enough; a message not listed here stays as argparse wrote it.
"""

from __future__ import annotations

import argparse
import gettext

MESSAGES = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "optional arguments": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "show program's version number and exit": "显示程序名称和版本并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选项值 %(value)r（可选：%(choices)s）",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "invalid %(type)s value: %(value)r": "%(value)r 不是有效的%(type)s值",
    "expected one argument": "需要一个值",
    "expected at most one argument": "最多一个值",
    "expected at least one argument": "至少一个值",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 有歧义，可能是 %(matches)s",
    "one of the arguments %s is required": "参数 %s 必须给出其中一个",
    "ignored explicit argument %r": "忽略了多余的值 %r",
    "unexpected option string: %s": "意外的选项：%s",
}
PLURALS = {
    ("expected %s argument", "expected %s arguments"): "需要 %s 个值",
}
TYPE_NAMES = {"int": "整数", "float": "数字"}


def _gettext(message: str) -> str:
    return MESSAGES.get(message, message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return PLURALS.get((singular, plural), gettext.ngettext(singular, plural, n))


class ChineseArgumentParser(argparse.ArgumentParser):
    """Names the type of a bad value in Chinese ('"abc" 不是有效的整数值')."""

    def _get_value(self, action, arg_string):
        try:
            return super()._get_value(action, arg_string)
        except argparse.ArgumentError as e:
            type_name = getattr(action.type, "__name__", "")
            if type_name in TYPE_NAMES:
                raise argparse.ArgumentError(action, f"{arg_string!r} 不是有效的{TYPE_NAMES[type_name]}") from None
            raise e


def install() -> None:
    argparse._ = _gettext  # type: ignore[attr-defined]
    argparse.ngettext = _ngettext  # type: ignore[attr-defined]
