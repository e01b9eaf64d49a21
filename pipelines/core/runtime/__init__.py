"""The top of the core: what runs the stages.

``document`` takes one file through every stage (read → text → metadata) into an Extraction;
``workers`` runs documents in isolated processes with time and memory limits, warmed by
``preload``; ``reading`` is the pool a batch reads with; ``plan`` decides what in a batch is new
or changed; ``locks`` lets one ingestion and one writer at a time touch a warehouse.
"""
