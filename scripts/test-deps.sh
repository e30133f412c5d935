#!/usr/bin/env bash
# Installs the Debian packages whose binaries the tests run against generated files
# (see shared/reference/formats.md §7): nginx for `nginx -t`, docker-registry 2.8 for a real
# boot on loopback, openssl for the throwaway token certificate, shellcheck for the generated
# deploy scripts, ruby for Psych (the YAML reader Kamal uses) on the scalars emitted unproved.
# Quiet and idempotent when everything is present; as non-root it only says what is missing.
set -euo pipefail

# binary → Debian package that provides it
declare -A PACKAGE_OF=(
  [/usr/sbin/nginx]=nginx
  [/usr/bin/docker-registry]=docker-registry
  [/usr/bin/openssl]=openssl
  [/usr/bin/shellcheck]=shellcheck
  [/usr/bin/ruby]=ruby
)
# packages that ship a daemon the install must not leave running (port 80, port 5000)
DAEMONS=(nginx docker-registry)

missing=()
for bin in "${!PACKAGE_OF[@]}"; do
  [[ -x "$bin" ]] || missing+=("${PACKAGE_OF[$bin]}")
done
((${#missing[@]} == 0)) && exit 0
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)

if [[ "$(id -u)" != 0 ]]; then
  echo "test-deps: missing Debian packages: ${missing[*]}" >&2
  echo "test-deps: install them as root, then rerun:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

# A policy-rc.d that exits 101 tells invoke-rc.d not to start services, so the packages'
# postinst scripts cannot leave nginx on :80 or the registry on :5000. Keep one that is already
# there (Docker images ship one); remove only the one this script wrote.
policy=/usr/sbin/policy-rc.d
wrote_policy=0
if [[ ! -e "$policy" ]]; then
  printf '#!/bin/sh\n# written by kamal-cdk scripts/test-deps.sh for the duration of an install\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  wrote_policy=1
fi
cleanup() { if ((wrote_policy)); then rm -f "$policy"; fi; }
trap cleanup EXIT

echo "test-deps: installing ${missing[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

# Belt and braces for machines whose init ignores policy-rc.d: stop and disable the daemons of
# packages installed just now (never ones that were already on the machine).
for pkg in "${DAEMONS[@]}"; do
  [[ " ${missing[*]} " == *" $pkg "* ]] || continue
  if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
    systemctl disable --now "$pkg" >/dev/null 2>&1 || true
  else
    service "$pkg" stop >/dev/null 2>&1 || true
    update-rc.d "$pkg" disable >/dev/null 2>&1 || true
  fi
done

for bin in "${!PACKAGE_OF[@]}"; do
  if [[ ! -x "$bin" ]]; then
    echo "test-deps: ${PACKAGE_OF[$bin]} installed but $bin is still missing" >&2
    exit 1
  fi
done
