"""Domain logic and storage of the township office program. Never imports Qt."""

__version__ = "0.1.0"
APP_NAME = "乡镇综合办公"
APP_ID = "XiangzhenOffice"
