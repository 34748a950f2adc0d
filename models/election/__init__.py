"""换届: the term-change election."""
