"""The 考核 tab: grid and pages."""
