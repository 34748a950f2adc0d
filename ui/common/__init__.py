"""What every part of the window shares: the worker that runs long work, the context, fonts, shared widgets."""
