"""The deployment profile (deploy/): the same definitions on a Dagster instance backed by
PostgreSQL, with a daemon and Celery workers. Programs of Debian's `postgresql` and
`redis-server` packages are started in folders of ours (servers.py) for `make cluster-demo`
and the tests; a real deployment points the same settings at its own servers."""
