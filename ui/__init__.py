"""Qt widgets. Never writes SQL: asks models/ for rows and calls its actions."""
