"""Scripts for the developers: not part of the program."""
