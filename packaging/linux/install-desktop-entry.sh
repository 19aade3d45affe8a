#!/bin/sh
# Studio Render, portable build: add (or, with --remove, take away) the applications-menu
# entry and icons for this user, pointing at this folder. Nothing is written outside
# ~/.local/share (or $XDG_DATA_HOME). The app itself runs without this: ./studio-render
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
desktop="$data/applications/studio-render.desktop"

if [ "${1:-}" = "--remove" ]; then
    rm -f "$desktop"
    find "$data/icons/hicolor" -name studio-render.png -o -name studio-render.svg 2>/dev/null |
        while read -r icon; do rm -f "$icon"; done
    echo "Removed the Studio Render menu entry."
    exit 0
fi

mkdir -p "$data/applications"
(cd "$here/share/icons" && find hicolor -type f) | while read -r icon; do
    mkdir -p "$data/icons/$(dirname "$icon")"
    cp "$here/share/icons/$icon" "$data/icons/$icon"
done
# Exec needs the path quoted, with \ " ` $ escaped, and each backslash doubled again.
exe=$(printf '%s' "$here/studio-render" | sed 's/[\\"`$]/\\\\&/g')
while IFS= read -r line; do
    case $line in
        "Exec=studio-render "*) printf 'Exec="%s" %s\n' "$exe" "${line#Exec=studio-render }" ;;
        TryExec=*) printf 'TryExec=%s\n' "$here/studio-render" ;;
        *) printf '%s\n' "$line" ;;
    esac
done <"$here/share/applications/studio-render.desktop" >"$desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$data/applications" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$data/icons/hicolor" || true
echo "Added Studio Render to the applications menu ($desktop)."
