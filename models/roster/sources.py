"""The field reports the roster rules come from, by title (a leaf module: the command line
reads it while building its help, before anything heavy is imported)."""

from __future__ import annotations

# The field reports the rules come from. Users read a report by its title, never by
# the seed number the code uses as its key.
SOURCE_TITLES = {
    "000": "《党政交叉任职调研报告》",
    "001": "《关于从机制上保证换届后乡镇党委领导班子协调高效运转问题的思考》",
    "002": "咸安区换届做法（《今年乡镇换届步骤和提拔领导干部的具体条件》问答）",
    "003": "《乡镇机构改革调查报告》",
    "004": "《规范干部管理经验交流》",
}
# The two presets by what a clerk tells them apart by: their seat range and where they come from.
PRESET_NAMES = {"000": "7–11 人班子（《党政交叉任职调研报告》）", "002": "9–11 人班子（咸安区做法）"}
# What the command line takes for a preset (the seat range), and the seed keys scripts used before.
PRESET_ARGS = {"7-11": "000", "9-11": "002", "000": "000", "002": "002"}


def source_title(code: str) -> str:
    """The title of the field report a rule comes from."""
    return SOURCE_TITLES[code]
