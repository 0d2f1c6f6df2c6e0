#!/usr/bin/env bash
# Installs everything cxgw needs to build, test and run its demo on Debian 12.
# Idempotent: packages already present are not touched, and apt-get runs only when
# something is missing. Needs root (or sudo) only in that case.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates openssl curl
  libboost1.81-dev libboost-system1.81-dev libboost-url1.81-dev
  libssl-dev rapidjson-dev libpqxx-dev libspdlog-dev libfmt-dev libcli11-dev libyaml-cpp-dev
  libhowardhinnant-date-dev tzdata
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  postgresql-15 postgresql-client-15
)

# Node.js runs the conformance tests' independent validator; a machine that has its own
# Node.js (e.g. from nodesource) keeps it.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); else
    echo "install-deps: missing packages (${missing[*]}) and not root; run as root" >&2
    exit 1
  fi
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
