#!/usr/bin/env bash
# Refresh vendored front-end libraries from the npm registry (no CDN at run time).
#
# Usage: scripts/vendor_assets.sh            # from the repository root
#
# Bump KATEX_VERSION here; the directory name carries the version so that
# old cached copies are never served for a new release.
set -euo pipefail

KATEX_VERSION="0.19.1"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/static/vendor/katex-$KATEX_VERSION"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent "katex@$KATEX_VERSION" >/dev/null)
tar -xzf "$tmp"/katex-"$KATEX_VERSION".tgz -C "$tmp"
src="$tmp/package/dist"

rm -rf "$dest"
mkdir -p "$dest/contrib" "$dest/fonts"
cp "$src/katex.min.js" "$dest/"
# Only the woff2 fonts are vendored, so drop the .woff/.ttf fallbacks from @font-face:
# Django's manifest storage (whitenoise) refuses to collect CSS that points at missing files.
sed -E 's/,url\(fonts\/[^)]+\.(woff|ttf)\) format\("(woff|truetype)"\)//g' \
    "$src/katex.min.css" >"$dest/katex.min.css"
if grep -Eq '\.(woff|ttf)\)' "$dest/katex.min.css"; then
    echo "katex.min.css still references non-woff2 fonts; update the sed expression" >&2
    exit 1
fi
cp "$src/contrib/auto-render.min.js" "$dest/contrib/"
# Every browser we support reads woff2; the .woff and .ttf files would only add weight.
cp "$src"/fonts/*.woff2 "$dest/fonts/"
cp "$tmp/package/LICENSE" "$dest/"

echo "KaTeX $KATEX_VERSION vendored into ${dest#"$root"/}"
