#!/usr/bin/env bash
# Make this machine ready to run chainrule: Debian packages that are missing
# (python3-venv, Graphviz's dot, and Chromium when asked for), then a local
# virtual environment in .venv with the project and its dev extras.
# Sourced by scripts/demo and scripts/test. A second run does no installing and takes
# about a second: pip runs only when pyproject.toml has changed since the last install.
#
# Usage: source scripts/setup.sh [--browser] [--torch]

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
STAMP="$VENV/.chainrule-installed"

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

ensure_venv() {
  if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
    return 0
  fi
  command -v python3 >/dev/null 2>&1 || { say "python3 is missing: install Python 3.11 or newer"; return 1; }
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    say "chainrule needs Python 3.11 or newer; python3 is $(python3 -V 2>&1)"
    return 1
  }
  rm -rf "$VENV"
  if ! python3 -m venv "$VENV" >/dev/null 2>&1; then
    # Debian ships venv's ensurepip separately, in python3-venv (and python3.X-venv).
    rm -rf "$VENV"
    local version
    version="$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
    apt_install python3-venv "python$version-venv" || apt_install python3-venv || return 1
    python3 -m venv "$VENV" || { rm -rf "$VENV"; say "could not create $VENV"; return 1; }
  fi
}

ensure_packages() {
  local want
  want="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
  if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
    return 0
  fi
  say "installing chainrule and its dev extras into .venv (once)"
  local log="$VENV/pip.log"
  if ! { "$VENV/bin/python" -m pip install --disable-pip-version-check -q --upgrade pip &&
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q -e "${ROOT}[dev]"; } >"$log" 2>&1; then
    cat "$log" >&2
    say "pip failed; its output is above and in $log"
    return 1
  fi
  echo "$want" >"$STAMP"
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

setup_main() {
  local browser=0 torch=0
  for arg in "$@"; do
    [ "$arg" = "--browser" ] && browser=1
    [ "$arg" = "--torch" ] && torch=1
  done
  ensure_venv || return 1
  command -v dot >/dev/null 2>&1 || apt_install graphviz || return 1
  if [ "$browser" = 1 ] && ! command -v chromium >/dev/null 2>&1; then
    # The explorer's browser test drives Debian's Chromium through Playwright.
    apt_install chromium || say "Chromium could not be installed; the browser test will be skipped"
  fi
  ensure_packages || return 1
  if [ "$torch" = 1 ]; then
    ensure_torch
  fi
}

setup_main "$@"
