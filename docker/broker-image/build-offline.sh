#!/bin/sh
# Builds the runtime broker image without a registry: the Dockerfile's runtime stage on top of
# the agent image (built first by docker/agent-image/build-offline.sh when missing), with the
# broker's sources and its production packages staged on this machine (npm ci from the npm
# cache, node-pty built here: same node, same glibc as the image).
#   docker/broker-image/build-offline.sh [image] [engine] [agent-image]
# Defaults: localhost/scion-broker:latest, podman, localhost/scion-agent:bookworm-v3.
# SCION_IMAGE_INPUTS, when set, is recorded as the label scion.inputs.
set -eu
IMAGE="${1:-localhost/scion-broker:latest}"
ENGINE="${2:-podman}"
AGENT_IMAGE="${3:-localhost/scion-agent:bookworm-v3}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WORK="$(mktemp -d /var/tmp/scion-broker-build.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
started=$(date +%s)
step() { echo "[$(($(date +%s) - started)) s] $*"; }

if ! "$ENGINE" image exists "$AGENT_IMAGE"; then
  step "building the agent image $AGENT_IMAGE first…"
  "$ROOT/docker/agent-image/build-offline.sh" "$AGENT_IMAGE" "$ENGINE"
fi
step "building $IMAGE: production packages (npm ci from the npm cache, node-pty)…"
APP="$WORK/app"
mkdir -p "$APP"
cp "$ROOT/package.json" "$ROOT/package-lock.json" "$APP/"
(cd "$APP" && npm ci --omit=dev --no-audit --no-fund --prefer-offline --ignore-scripts --loglevel=error >/dev/null </dev/null &&
  npm rebuild node-pty --loglevel=error >/dev/null </dev/null &&
  node "$ROOT/docker/broker-image/prune-broker-modules.mjs" node_modules)
(cd "$ROOT" && tar -c --exclude=lib/db/generated broker agent lib tsconfig.json) | tar -C "$APP" -x
# The Dockerfile's runtime stage, FROM the agent image here and COPY from this staging dir.
sed -n '/^# Runtime stage/,$p' "$ROOT/docker/broker-image/Dockerfile" |
  sed -e "s|^FROM \${AGENT_IMAGE}|FROM $AGENT_IMAGE|" -e 's|^COPY --from=app /app /app|COPY app /app|' >"$WORK/Containerfile"
grep -q "^COPY app /app" "$WORK/Containerfile"
# A caller's fingerprint of the sources (the tests rebuild when it differs).
[ -z "${SCION_IMAGE_INPUTS:-}" ] || printf 'LABEL scion.inputs="%s"\n' "$SCION_IMAGE_INPUTS" >>"$WORK/Containerfile"
step "podman build (docker format)…"
# Podman: one image, no intermediate image per instruction.
layers=""
[ "$ENGINE" != podman ] || layers=--layers=false
"$ENGINE" build --quiet --format docker --pull=never $layers -f "$WORK/Containerfile" -t "$IMAGE" "$WORK" >/dev/null
step "built $IMAGE"
