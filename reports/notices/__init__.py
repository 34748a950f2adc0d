"""One renderer per notice kind. Each takes the plain data gathered by
models/notices/registry.py and returns PDF bytes: render_x(data, serial=, paper=, progress=)."""
