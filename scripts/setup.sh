#!/usr/bin/env bash
# Set up everything the project needs on a fresh machine:
#   1. system packages (Tesseract with Vietnamese + English models, poppler, a Unicode font;
#      PostgreSQL and Redis for the deployment profile in deploy/ and `make cluster-demo`),
#      installed with apt-get when missing and running as root; otherwise we stop and
#      print the exact command to run;
#   2. a virtual environment in .venv with the package and its pinned dependencies;
#   3. htmx for the reading room (`archive review`), from the npm registry, pinned and checked.
# Chromium (Debian's) is what the reading room's browser tests drive; no browser is downloaded.
# Safe to run again: it does only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv}"
PYTHON="${PYTHON:-python3}"
APT_PACKAGES=(tesseract-ocr tesseract-ocr-vie tesseract-ocr-eng poppler-utils fonts-dejavu-core chromium npm postgresql redis-server)
HTMX_VERSION=2.0.11
HTMX_SHA256=d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717
HTMX_FILE=pipelines/review/static/vendor/htmx.min.js

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
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v npm >/dev/null 2>&1 || missing+=(npm)
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
# htmx: the file the npm registry publishes for the pinned version, checked against its hash.
if ! echo "$HTMX_SHA256  $HTMX_FILE" | sha256sum --check --status 2>/dev/null; then
  echo "setup: installing htmx $HTMX_VERSION from the npm registry"
  pack_dir="$(mktemp -d)"
  trap 'rm -rf "$pack_dir"' EXIT
  (cd "$pack_dir" && npm pack --silent "htmx.org@$HTMX_VERSION" >/dev/null) \
    || { echo "setup: npm could not fetch htmx.org@$HTMX_VERSION" >&2; exit 1; }
  tar -xzf "$pack_dir/htmx.org-$HTMX_VERSION.tgz" -C "$pack_dir" package/dist/htmx.min.js
  echo "$HTMX_SHA256  $pack_dir/package/dist/htmx.min.js" | sha256sum --check --status \
    || { echo "setup: htmx.org@$HTMX_VERSION from npm does not have the expected SHA-256; not installed" >&2; exit 1; }
  mkdir -p "$(dirname "$HTMX_FILE")"
  cp "$pack_dir/package/dist/htmx.min.js" "$HTMX_FILE"
fi
# The package's bytecode, compiled once. pip compiles what it installs, but not an editable
# install's sources; where PYTHONDONTWRITEBYTECODE is set (many containers, these machines)
# every `archive` command, and its readers' server, compiled the whole package again: about
# 0.4 s of each start. A source edited later is compiled in memory as before.
"$VENV/bin/python" -m compileall -q pipelines >/dev/null \
  || { echo "setup: the package's sources do not compile; see above" >&2; exit 1; }
touch "$VENV/.installed"
echo "setup: done"
