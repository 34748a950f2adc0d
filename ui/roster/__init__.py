"""The 领导班子 tab and its pages and dialogs."""
