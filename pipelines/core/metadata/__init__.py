"""Stage 3, metadata: pages in, articles out.

In: a document's pages (``models.Page`` with their lines). Out: ``models.Article`` records, each
with its title, body, date (``dates``), venue and provinces in both province systems
(``places``, ``gazetteer``), and credits (``people``), every value with the words it came from;
and the issue's masthead (``masthead``). ``articles`` splits the pages and puts it together.
"""
