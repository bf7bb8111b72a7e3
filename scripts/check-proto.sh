#!/usr/bin/env bash
# Fails when the generated code in internal/gen is not what proto/ produces:
# regenerate with scripts/gen-proto.sh and commit the result.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$root/scripts/gen-proto.sh" "$tmp"

if ! diff -r "$tmp" "$root/internal/gen" --exclude='*_test.go' --exclude='doc.go'; then
	echo "check-proto: internal/gen is stale; run scripts/gen-proto.sh and commit the result" >&2
	exit 1
fi
echo "check-proto: generated code is up to date"
