"""The main window's tabs, one module each. A tab is a QWidget built with
`TabClass(ctx: AppContext)`; TABS lists them in display order."""

TABS = [
    ("ui.tabs.roster_tab", "RosterTab", "领导班子"),
    ("ui.tabs.service_tab", "ServiceTab", "便民服务"),
    ("ui.tabs.assess_tab", "AssessTab", "考核"),
]
