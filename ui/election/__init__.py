"""The 换届选举 window."""
