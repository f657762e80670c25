#!/usr/bin/env bash
# Builds cc-agent's Debian package: a self-contained single-file linux-x64 build (the image needs no .NET) and its
# systemd unit, enabled when the package is installed.
# Usage: deploy/agent/build-deb.sh [OUTPUT-DIR]     (default: artifacts/); prints the path of the .deb it made.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="$(realpath -m "${1:-$repo/artifacts}")"
version="${CC_AGENT_VERSION:-0.1.0}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

dotnet publish "$repo/src/CloudController.Agent" -c Release -r linux-x64 --self-contained \
  -p:PublishSingleFile=true -p:InvariantGlobalization=true -p:DebugType=none -o "$work/publish" -v q -nologo >&2

pkg="$work/pkg"
install -D -m 0755 "$work/publish/cc-agent" "$pkg/usr/bin/cc-agent"
install -D -m 0644 "$here/cc-agent.service" "$pkg/lib/systemd/system/cc-agent.service"
mkdir -p "$pkg/DEBIAN"
cat > "$pkg/DEBIAN/control" <<CONTROL
Package: cc-agent
Version: $version
Architecture: amd64
Maintainer: CloudController developers
Section: admin
Priority: optional
Depends: libc6, libgcc-s1, libstdc++6, zlib1g, systemd
Description: CloudController guest agent
 Applies a VM's provisioning data (host name, network, users, SSH keys, app
 keys) while the VM runs, from the host's serial channel or the controller's
 GuestChannel, and acknowledges each generation to the controller.
CONTROL
cat > "$pkg/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
  install -d -m 0700 /var/lib/cc-agent
  systemctl enable cc-agent.service >/dev/null
  # Started at once on a running system; in an image being built, at its next boot.
  if [ -d /run/systemd/system ]; then systemctl restart cc-agent.service; fi
fi
POSTINST
cat > "$pkg/DEBIAN/prerm" <<'PRERM'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then systemctl stop cc-agent.service || [ "$1" != remove ]; fi
PRERM
cat > "$pkg/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
if [ "$1" = purge ]; then
  systemctl disable cc-agent.service >/dev/null 2>&1 || [ ! -d /run/systemd/system ]
  rm -rf /var/lib/cc-agent
fi
POSTRM
chmod 0755 "$pkg/DEBIAN/postinst" "$pkg/DEBIAN/prerm" "$pkg/DEBIAN/postrm"

mkdir -p "$out"
deb="$out/cc-agent_${version}_amd64.deb"
dpkg-deb --root-owner-group --build "$pkg" "$deb" >&2
echo "$deb"
