#!/bin/sh
# Builds the hub image without a registry (Debian packages and the npm registry only), the
# equivalent of the Dockerfile beside this file:
#   1. the app is built from this checkout's sources in a scratch copy (npm ci from the npm cache,
#      prisma generate, next build, the server bundle); of node_modules only the files the built
#      hub loads go in (runtime-files.mjs: Next's own traces plus the server bundle's), so neither
#      the embedded Postgres (the image runs against DATABASE_URL) nor build tools are shipped;
#   2. a minimal Debian (debootstrap --variant=minbase) gets this machine's `node` (it needs only
#      glibc and libstdc++), the built app in /app and the unprivileged user scion (10001:10001);
#   3. the rootfs is imported with the Dockerfile's settings, and a one-line `podman build`
#      (docker format) adds the HEALTHCHECK, which `import --change` does not accept.
#   docker/hub-image/build-offline.sh [image] [engine]
# image defaults to localhost/scion-hub:latest, engine to podman. SCION_IMAGE_INPUTS, when set, is
# recorded as the label scion.inputs. About two minutes on two cores.
set -eu
IMAGE="${1:-localhost/scion-hub:latest}"
ENGINE="${2:-podman}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WORK="$(mktemp -d /var/tmp/scion-hub-build.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
APP="$WORK/app"
ROOTFS="$WORK/rootfs"
started=$(date +%s)
step() { echo "[$(($(date +%s) - started)) s] $*"; }

step "building $IMAGE: debootstrap in the background (about 40 s)…"
debootstrap --variant=minbase --include=ca-certificates bookworm "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 &
debootstrap_pid=$!

# What the Dockerfile copies into its build stage (see .dockerignore).
mkdir -p "$APP"
(cd "$ROOT" && tar -c --exclude=lib/db/generated app components lib public prisma scripts server.ts \
  next.config.mjs postcss.config.mjs prisma.config.ts tsconfig.json package.json package-lock.json) | tar -C "$APP" -x
cd "$APP"
step "npm ci (from the npm cache)…"
# No install scripts: the root's postinstall is `prisma generate` (run below), the rest are
# native builds the hub does not load (node-pty) or optional ones (esbuild's binary check).
npm ci --no-audit --no-fund --prefer-offline --ignore-scripts --loglevel=error >/dev/null </dev/null
step "prisma generate, next build, server bundle…"
node node_modules/prisma/build/index.js generate >/dev/null 2>&1
NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 node node_modules/next/dist/bin/next build >"$WORK/next-build.log" 2>&1 ||
  {
    cat "$WORK/next-build.log"
    exit 1
  }
node --input-type=module -e 'await (await import("./scripts/build-server.mjs")).buildServerIfStale()'
step "tracing the files the hub loads…"
node "$ROOT/docker/hub-image/runtime-files.mjs" . >"$WORK/runtime-files"
rm -rf .next/cache

if ! wait "$debootstrap_pid"; then
  cat "$WORK/debootstrap.log"
  exit 1
fi
step "assembling the rootfs…"
cp "$(command -v node)" "$ROOTFS/usr/local/bin/node"
mkdir -p "$ROOTFS/app/prisma"
cp -a .next public package.json next.config.mjs "$ROOTFS/app/"
tar -c -T "$WORK/runtime-files" | tar -C "$ROOTFS/app" -x
cp -a prisma/migrations "$ROOTFS/app/prisma/"
chroot "$ROOTFS" /usr/sbin/groupadd --gid 10001 scion
chroot "$ROOTFS" /usr/sbin/useradd --uid 10001 --gid 10001 --no-create-home --home-dir /var/lib/scion --shell /usr/sbin/nologin scion
# The data directory's parent (k8s mounts a volume here); Next.js's runtime cache.
mkdir -p "$ROOTFS/var/lib/scion" "$ROOTFS/app/.next/cache"
chroot "$ROOTFS" chown scion:scion /var/lib/scion /app/.next/cache
chroot "$ROOTFS" /usr/local/bin/node --version >/dev/null
rm -rf "$ROOTFS/var/cache/apt/archives/"*.deb "$ROOTFS/var/lib/apt/lists/"* "$ROOTFS/usr/share/doc" \
  "$ROOTFS/usr/share/man" "$ROOTFS/usr/share/info" "$ROOTFS/usr/share/locale"

step "importing into $ENGINE…"
tar -C "$ROOTFS" -c . | "$ENGINE" import --quiet \
  --change 'USER scion' \
  --change 'WORKDIR /app' \
  --change 'ENV NODE_ENV=production' \
  --change 'ENV NEXT_TELEMETRY_DISABLED=1' \
  --change 'ENV HOST=0.0.0.0' \
  --change 'ENV PORT=8080' \
  --change 'ENV SCION_DATA_DIR=/var/lib/scion/data' \
  --change 'EXPOSE 8080' \
  --change 'STOPSIGNAL SIGTERM' \
  --change 'ENTRYPOINT ["/usr/local/bin/node", "/app/.next/scion-server/server.mjs"]' \
  --change 'CMD []' \
  - "$IMAGE-rootfs" >/dev/null
# The same HEALTHCHECK line as the Dockerfile's (HEALTHCHECK is Docker-format metadata).
sed -n '/^HEALTHCHECK/,/[^\\]$/p' "$ROOT/docker/hub-image/Dockerfile" >"$WORK/healthcheck"
printf 'FROM %s\n' "$IMAGE-rootfs" | cat - "$WORK/healthcheck" >"$WORK/Containerfile"
# A caller's fingerprint of the sources (the tests rebuild when it differs).
[ -z "${SCION_IMAGE_INPUTS:-}" ] || printf 'LABEL scion.inputs="%s"\n' "$SCION_IMAGE_INPUTS" >>"$WORK/Containerfile"
# Podman: no intermediate image per instruction (nothing to reuse in a one-step build).
layers=""
[ "$ENGINE" != podman ] || layers=--layers=false
"$ENGINE" build --quiet --format docker --pull=never $layers -f "$WORK/Containerfile" -t "$IMAGE" "$WORK" >/dev/null
"$ENGINE" untag "$IMAGE-rootfs"
step "built $IMAGE"
