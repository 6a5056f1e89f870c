#!/bin/sh
# Builds the agent image for the docker runtime without a registry (Debian packages only):
# a minimal Debian with tmux, git and CA certificates, plus this machine's `node` (it needs only
# glibc and libstdc++), the harness CLIs at the versions pinned in lib/harnesses (installed with
# this machine's npm and its cache into /opt/scion/harnesses, on PATH in /usr/local/bin), and the
# unprivileged user `agent` (uid/gid 1000, HOME /home/agent) that agents run as. The agent shim
# is not baked in: the broker mounts its bundled shim.
#   docker/agent-image/build-offline.sh [image] [engine]
# image defaults to localhost/scion-agent:bookworm-v3, engine to podman.
set -eu
IMAGE="${1:-localhost/scion-agent:bookworm-v3}"
ENGINE="${2:-podman}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
ROOTFS="$(mktemp -d /var/tmp/scion-agent-rootfs.XXXXXX)"
trap 'rm -rf "$ROOTFS"' EXIT
echo "building $IMAGE: debootstrap (about 40 s)…"
debootstrap --variant=minbase --include=tmux,ca-certificates,git,procps bookworm "$ROOTFS" "$MIRROR" >/dev/null
cp "$(command -v node)" "$ROOTFS/usr/local/bin/node"
echo "installing the harness CLIs…"
(cd "$ROOT" && node --import tsx docker/agent-image/harness-packages.ts) | while read -r spec bin; do
  prefix="$ROOTFS/opt/scion/harnesses/$bin"
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-audit --no-fund --no-save --ignore-scripts --loglevel=error "$spec" >/dev/null </dev/null
  # Only the CLI's own install script (Claude Code's puts its native binary in place).
  (cd "$prefix/node_modules/${spec%@*}" && npm run --if-present --silent postinstall </dev/null)
  ln -sf "/opt/scion/harnesses/$bin/node_modules/.bin/$bin" "$ROOTFS/usr/local/bin/$bin"
done
chmod -R a+rX "$ROOTFS/opt/scion"
chroot "$ROOTFS" /usr/sbin/groupadd --gid 1000 agent
chroot "$ROOTFS" /usr/sbin/useradd --uid 1000 --gid 1000 --create-home --home-dir /home/agent --shell /bin/bash agent
for bin in claude gemini codex; do chroot "$ROOTFS" /usr/local/bin/$bin --version >/dev/null; done
rm -rf "$ROOTFS/var/cache/apt/archives/"*.deb "$ROOTFS/var/lib/apt/lists/"*
echo "importing into $ENGINE…"
tar -C "$ROOTFS" -c . | "$ENGINE" import --change 'CMD ["/bin/bash"]' --change 'USER agent' --change 'WORKDIR /workspace' - "$IMAGE" >/dev/null
echo "built $IMAGE"
