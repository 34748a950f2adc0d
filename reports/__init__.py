"""PDF output with reportlab: the official page template (GB/T 9704-2012),
the fonts, and one renderer per kind of public notice (公示).

Nothing here imports Qt or touches the database: a renderer takes the plain
data gathered by models/notices/registry.py and returns PDF bytes.
"""
