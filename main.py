"""Entry point: no subcommand opens the window; subcommands run on the command line."""

import sys

if __name__ == "__main__":
    if sys.stdout and hasattr(sys.stdout, "reconfigure"):
        # Chinese messages on a Windows console with a non-UTF-8 code page.
        sys.stdout.reconfigure(errors="replace")
        sys.stderr.reconfigure(errors="replace")
    from cli import main

    sys.exit(main())
