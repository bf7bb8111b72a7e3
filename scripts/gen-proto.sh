#!/usr/bin/env bash
# Regenerates the Go code for proto/ into internal/gen (or into the folder
# given as the first argument, which check-proto.sh uses to compare).
# Needs protoc (Debian: apt-get install protobuf-compiler); the Go plugins are
# the versions pinned as tools in go.mod.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/internal/gen}

if ! command -v protoc >/dev/null 2>&1; then
	echo "gen-proto: protoc not found; install it with: apt-get install -y protobuf-compiler" >&2
	exit 2
fi

# protoc runs plugins by path; these wrappers run the go.mod-pinned versions.
plugins=$(mktemp -d)
trap 'rm -rf "$plugins"' EXIT
for p in protoc-gen-go protoc-gen-connect-go; do
	printf '#!/bin/sh\ncd "%s" && exec go tool %s "$@"\n' "$root" "$p" >"$plugins/$p"
	chmod +x "$plugins/$p"
done

mkdir -p "$out"
cd "$root/proto"
mapfile -t files < <(find . -name '*.proto' | sed 's|^\./||' | sort)
protoc -I . \
	--plugin=protoc-gen-go="$plugins/protoc-gen-go" \
	--plugin=protoc-gen-connect-go="$plugins/protoc-gen-connect-go" \
	--go_out="$out" --go_opt=paths=source_relative \
	--connect-go_out="$out" --connect-go_opt=paths=source_relative \
	"${files[@]}"
