"""The reading room: a local web app where archivists review extracted values and correct them
(`archive review`). A top layer beside the command line: it uses the core (the warehouse, the
corrections, the readers that draw page images), and the core never imports it
(tests/test_layers.py)."""
