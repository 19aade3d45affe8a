#!/usr/bin/env bash
# Studio Render for macOS: build "Studio Render.app" with PyInstaller and wrap it in a .dmg.
#
#   bash packaging/macos/make-dmg.sh
#
# Runs on macOS only (hdiutil, iconutil, ditto, codesign are macOS tools), in a Python
# environment with the project installed: pip install -e ".[packaging]". The app is built
# for the architecture of that Python (arm64 or x86_64). Output:
#   dist/studio-render-<version>-macos-<arch>.dmg
#
# Optional:
#   PYTHON=...             the interpreter to build with (default: python3)
#   CODESIGN_IDENTITY=...  "Developer ID Application: ..." to sign the app and the .dmg
#                          (otherwise PyInstaller's ad-hoc signature; Gatekeeper will
#                          then ask artists to confirm on first launch)
#   NOTARY_PROFILE=...     a `xcrun notarytool store-credentials` profile: notarise and
#                          staple the .dmg (needs CODESIGN_IDENTITY)
set -euo pipefail

if [[ "$(uname -s)" != Darwin ]]; then
    echo "make-dmg.sh: builds the macOS app, so it runs on macOS only" >&2
    exit 1
fi
cd "$(dirname "$0")/../.."
python=${PYTHON:-python3}
version=$("$python" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
arch=$("$python" -c 'import platform; print(platform.machine())')
started=$SECONDS

"$python" -m PyInstaller --noconfirm --clean \
    --distpath build/macos/app --workpath build/macos/pyinstaller \
    packaging/studio-render.spec

app="build/macos/app/Studio Render.app"
[[ -x "$app/Contents/MacOS/studio-render" ]] || { echo "no $app" >&2; exit 1; }

# The frozen program must start: prints its version and the ffmpeg inside the bundle.
"$app/Contents/MacOS/studio-render" --version

if [[ -n "${CODESIGN_IDENTITY:-}" ]]; then
    codesign --force --deep --options runtime --timestamp \
        --sign "$CODESIGN_IDENTITY" "$app"
    codesign --verify --deep --strict --verbose=2 "$app"
fi

stage=build/macos/dmg
rm -rf "$stage"
mkdir -p "$stage" dist
ditto "$app" "$stage/Studio Render.app"          # keeps symlinks, resource forks, signatures
ln -s /Applications "$stage/Applications"         # drag-to-install target

dmg="dist/studio-render-$version-macos-$arch.dmg"
rm -f "$dmg"
hdiutil create -volname "Studio Render $version" -srcfolder "$stage" \
    -fs HFS+ -format UDZO -imagekey zlib-level=9 -ov "$dmg"

if [[ -n "${CODESIGN_IDENTITY:-}" ]]; then
    codesign --force --timestamp --sign "$CODESIGN_IDENTITY" "$dmg"
    if [[ -n "${NOTARY_PROFILE:-}" ]]; then
        xcrun notarytool submit "$dmg" --keychain-profile "$NOTARY_PROFILE" --wait
        xcrun stapler staple "$dmg"
    fi
fi

echo
echo "Built in $((SECONDS - started)) s:"
printf '  %-48s %s\n' "$(basename "$dmg")" "$(du -h "$dmg" | cut -f1)"
printf '  %-48s %s\n' "Studio Render.app (unpacked)" "$(du -sh "$app" | cut -f1)"
