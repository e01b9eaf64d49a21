"""The core: plain functions, no Dagster, grouped by the stage of the flow they belong to.

    read      a file in, pages out: finding and identifying files, PDF text layers, page images,
              plain-text files, scan clean-up, OCR, page routing
    text      the Vietnamese text layer: legacy encodings, Unicode, tone marks, line repair, quality
    metadata  pages in, articles out: segmentation, mastheads, dates, places (gazetteer), people
    store     records in, warehouse out: schema, loads, migrations, search, export, staging, verification
    runtime   the top of the core: one document through every stage, isolated workers, locks,
              the reading pool and its preloading, the batch planner

``models`` holds the records that flow between stages and ``pipelines.config`` the settings;
every stage may use them. Imports go down the flow only: ``read`` may use ``text``,
``metadata`` uses ``text``, ``store`` may use ``read`` and ``text``, ``runtime`` uses them all;
no stage imports ``runtime``, a later stage, Dagster or the command line
(tests/test_layers.py checks it).
"""
