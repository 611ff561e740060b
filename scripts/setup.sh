#!/usr/bin/env bash
# Make this machine ready to run chainrule: Debian packages that are missing
# (python3-venv, Graphviz's dot, and Chromium when asked for), then a local
# virtual environment in .venv with the project and its dev extras.
# Sourced by scripts/demo and scripts/test; scripts/test also uses ensure_venv and
# ensure_packages for the venvs of its Python matrix (.venv-3.12, ...). A second run does
# no installing and takes about a second: pip runs only when pyproject.toml has changed
# since the last install.
#
# Usage: source scripts/setup.sh [--browser] [--torch]

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

say() { printf '[setup] %s\n' "$*" >&2; }

# Install Debian packages, as root (or through sudo when it is there).
apt_install() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo="sudo"
    else
      say "missing: $*. Run as root: apt-get update && apt-get install -y $*"
      return 1
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    say "missing: $* and this is not a Debian-like system; install them with your package manager"
    return 1
  fi
  say "installing Debian packages: $*"
  if [ -z "${CHAINRULE_APT_UPDATED:-}" ]; then
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
    export CHAINRULE_APT_UPDATED=1
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >/dev/null
}

# Make a virtual environment at $1 with the Python $2 (a command or a path), unless a
# working one is there already.
ensure_venv() {
  local venv="$1" python="$2"
  if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import sys' 2>/dev/null; then
    return 0
  fi
  command -v "$python" >/dev/null 2>&1 || { say "$python is missing: install Python 3.11 or newer"; return 1; }
  "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    say "chainrule needs Python 3.11 or newer; $python is $("$python" -V 2>&1)"
    return 1
  }
  rm -rf "$venv"
  if ! "$python" -m venv "$venv" >/dev/null 2>&1; then
    # Debian ships venv's ensurepip separately, in python3-venv (and python3.X-venv).
    rm -rf "$venv"
    local version
    version="$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
    apt_install python3-venv "python$version-venv" || apt_install python3-venv || return 1
    "$python" -m venv "$venv" || { rm -rf "$venv"; say "could not create $venv"; return 1; }
  fi
}

# Install chainrule, editable, with the extras $2 (such as dev) into the venv $1. Once: the
# stamp records pyproject.toml's hash and the extras, and pip runs again only when they change.
ensure_packages() {
  local venv="$1" extras="$2"
  local stamp="$venv/.chainrule-installed" want
  want="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1) [$extras]"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  say "installing chainrule[$extras] into ${venv#"$ROOT"/} (once)"
  local log="$venv/pip.log"
  if ! { "$venv/bin/python" -m pip install --disable-pip-version-check -q --upgrade pip &&
    "$venv/bin/python" -m pip install --disable-pip-version-check -q -e "${ROOT}[$extras]"; } >"$log" 2>&1; then
    cat "$log" >&2
    say "pip failed; its output is above and in $log"
    return 1
  fi
  echo "$want" >"$stamp"
}

# PyTorch, for the comparisons with it: only the CPU build of 2.13.0 that lies on this
# kind of machine's disk. From the package index, torch is a CUDA build of several GB.
ensure_torch() {
  "$VENV/bin/python" -c 'import torch' >/dev/null 2>&1 && return 0
  local wheels="${PIP_FIND_LINKS:-/opt/wheels}"
  if ! compgen -G "$wheels/torch-2.13.0+cpu-*.whl" >/dev/null; then
    say "the CPU build of torch 2.13.0 is not on this machine; the PyTorch tests will be skipped"
    return 0
  fi
  say "installing torch 2.13.0 (CPU) into .venv (once)"
  "$VENV/bin/python" -m pip install --disable-pip-version-check -q "torch==2.13.0" \
    >"$VENV/pip-torch.log" 2>&1 || say "torch did not install (see $VENV/pip-torch.log); its tests will be skipped"
}

# The front end's packages (Pyodide and Graphviz in WebAssembly) for the course site's
# playground, exactly as playground/package-lock.json pins them. Once: the stamp records
# the lock file's hash, and npm runs again only when it changes.
ensure_npm() {
  local folder="$ROOT/playground" stamp="$ROOT/playground/node_modules/.chainrule-installed" want
  want="$(sha256sum "$folder/package-lock.json" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    apt_install nodejs npm || { say "npm is missing: install Node.js 20 or newer"; return 1; }
  fi
  say "installing the playground's npm packages (once)"
  (cd "$folder" && npm ci --no-audit --no-fund --loglevel=error) >&2 || {
    say "npm ci failed in playground/"
    return 1
  }
  echo "$want" >"$stamp"
}

setup_main() {
  local browser=0 torch=0
  for arg in "$@"; do
    [ "$arg" = "--browser" ] && browser=1
    [ "$arg" = "--torch" ] && torch=1
  done
  ensure_venv "$VENV" python3 || return 1
  command -v dot >/dev/null 2>&1 || apt_install graphviz || return 1
  if [ "$browser" = 1 ] && ! command -v chromium >/dev/null 2>&1; then
    # The explorer's browser test drives Debian's Chromium through Playwright.
    apt_install chromium || say "Chromium could not be installed; the browser test will be skipped"
  fi
  if [ "$browser" = 1 ] && ! fc-list 2>/dev/null | grep -qi "Liberation Sans"; then
    # Arial's metric twin: Graphviz in WebAssembly (the playground) measures text as Arial.
    apt_install fonts-liberation || say "fonts-liberation could not be installed"
  fi
  ensure_packages "$VENV" dev || return 1
  ensure_npm || return 1
  if [ "$torch" = 1 ]; then
    ensure_torch
  fi
}

setup_main "$@"
