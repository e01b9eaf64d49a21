#!/usr/bin/env bash
# Set up everything the project needs on a fresh machine:
#   1. system packages (Tesseract with Vietnamese + English models, poppler, a Unicode font;
#      PostgreSQL and Redis for the deployment profile in deploy/ and `make cluster-demo`),
#      installed with apt-get when missing and running as root; otherwise we stop and
#      print the exact command to run;
#   2. a virtual environment in .venv with the package and its pinned dependencies.
# Safe to run again: it does only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv}"
PYTHON="${PYTHON:-python3}"
APT_PACKAGES=(tesseract-ocr tesseract-ocr-vie tesseract-ocr-eng poppler-utils fonts-dejavu-core postgresql redis-server)

missing=()
command -v tesseract >/dev/null 2>&1 || missing+=(tesseract-ocr)
if command -v tesseract >/dev/null 2>&1; then
  langs="$(tesseract --list-langs 2>/dev/null || true)"
  grep -qx vie <<<"$langs" || missing+=(tesseract-ocr-vie)
  grep -qx eng <<<"$langs" || missing+=(tesseract-ocr-eng)
else
  missing+=(tesseract-ocr-vie tesseract-ocr-eng)
fi
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
# The deployment profile's servers: only their programs are used (a cluster is started in a
# folder of ours, never the system's service).
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || command -v initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if ! "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  missing+=(python3-venv)
fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing system packages: ${missing[*]}" >&2
    echo "setup: run this as root, then run make again:" >&2
    echo "    apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating virtual environment in $VENV"
  "$PYTHON" -m venv "$VENV"
fi
echo "setup: installing the package and its pinned dependencies into $VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
# PYTHONWARNINGS: setuptools explains editable installs at length on every install; errors
# still show.
PYTHONWARNINGS=ignore "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e '.[test]' 2>&1 \
  | grep -v "^WARNING: Location 'file://" || true
"$VENV/bin/python" -c 'import pipelines, dagster, duckdb, pdfplumber, pytesseract' \
  || { echo "setup: the package did not install; see the pip output above" >&2; exit 1; }
# DuckDB's extensions (DuckLake, its SQLite and PostgreSQL catalogs, full-text search) come as
# packages; lay them out where DuckDB and the duckdb command look, so that nothing is ever
# downloaded at run time, and check that DuckLake loads.
"$VENV/bin/python" -m pipelines.core.store.extensions \
  || { echo "setup: DuckDB's extensions could not be prepared; see above" >&2; exit 1; }
touch "$VENV/.installed"
echo "setup: done"
