#!/usr/bin/env bash
# Builds the Debian package dailies_<version>_<arch>.deb from a staged tree with
# dpkg-deb (no debhelper): release server, web client and organizer plugin when their
# sources exist, configuration, systemd unit, nginx site, docs and maintainer scripts.
#
# Environment:
#   DAILIES_DEB_VERSION     Debian version (default: workspace version + "-1")
#   DAILIES_DEB_OUT         directory for the .deb (default: the repository root)
#   DAILIES_DEB_MAINTAINER  Maintainer field (default below)
#   DAILIES_DEB_HOMEPAGE    Homepage field (none by default)
#   DAILIES_DEB_SKIP_BUILD  1 = reuse the binaries already in the cargo target directory
#   CARGO_TARGET_DIR        as for cargo (default: target/deb)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PKG=packaging

log() { echo "build-deb: $*"; }
die() { echo "build-deb: error: $*" >&2; exit 1; }

for tool in dpkg-deb cargo gzip md5sum python3; do
  command -v "$tool" >/dev/null || die "$tool is required"
done

# A target directory of its own by default: the hardening CFLAGS below would otherwise
# make every switch between `make deb` and a plain release build recompile SQLite.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target/deb}
TARGET_DIR=$CARGO_TARGET_DIR
ARCH=$(dpkg --print-architecture)
MAINTAINER=${DAILIES_DEB_MAINTAINER:-Dailies Maintainers <maintainers@dailies.invalid>}

# Version: [workspace.package] version, with a Cargo pre-release ("0.2.0-rc.1") made to
# sort before the release in Debian ("0.2.0~rc.1").
UPSTREAM=$(python3 - <<'EOF'
import tomllib
with open("Cargo.toml", "rb") as f:
    print(tomllib.load(f)["workspace"]["package"]["version"])
EOF
)
VERSION=${DAILIES_DEB_VERSION:-${UPSTREAM//-/\~}-1}
[[ $VERSION =~ ^[0-9][A-Za-z0-9.+~-]*$ ]] || die "invalid Debian version '$VERSION'"
# Reproducible timestamps: the last commit, unless the caller chose. Exported only after
# the cargo build: C build scripts (sqlite, zstd) rebuild whenever it changes.
SDE=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
OUT_DIR=${DAILIES_DEB_OUT:-$ROOT}
DEB=$OUT_DIR/dailies_${VERSION}_${ARCH}.deb
STAGE=$TARGET_DIR/deb-staging/dailies
log "version $VERSION (workspace $UPSTREAM), $ARCH"

# ---------------------------------------------------------------- build
HAS_SDK=0
[[ -f organizer-sdk/Cargo.toml ]] && HAS_SDK=1
HAS_CLIENT=0
[[ -f client-svelte/package.json && -f scripts/client-build.sh ]] && HAS_CLIENT=1

# The organizer plugin: a binary or an example of the SDK crate named basic-folders or
# basic_folders, whichever exists.
PLUGIN_ARGS=()
PLUGIN_PATH=
if (( HAS_SDK )); then
  read -r kind name < <(cargo metadata --no-deps --format-version 1 --locked | python3 -c '
import json, sys
for p in json.load(sys.stdin)["packages"]:
    for t in p["targets"]:
        if t["name"] in ("basic-folders", "basic_folders") and t["kind"][0] in ("bin", "example"):
            print(t["kind"][0], t["name"]); sys.exit()
print("none none")') || true
  case "${kind:-none}" in
    bin) PLUGIN_ARGS=(--bin "$name"); PLUGIN_PATH=$TARGET_DIR/release/$name ;;
    example) PLUGIN_ARGS=(--example "$name"); PLUGIN_PATH=$TARGET_DIR/release/examples/$name ;;
    *) log "organizer-sdk/ has no basic-folders target: the plugin is not included" ;;
  esac
else
  log "no organizer-sdk/ in this tree: the basic-folders plugin is not included"
fi

# The C code inside crates (bundled SQLite, zstd) gets Debian's hardening: stack
# protector and fortified libc calls.
export CFLAGS=${CFLAGS:--O2 -fstack-protector-strong -D_FORTIFY_SOURCE=2}
[[ -n $PLUGIN_PATH ]] && log "organizer plugin: the $kind $name of organizer-sdk, installed as /usr/lib/dailies/basic-folders"
(( HAS_CLIENT )) && log "web client: client-svelte/, built by scripts/client-build.sh"
if [[ ${DAILIES_DEB_SKIP_BUILD:-0} != 1 ]]; then
  log "cargo build --release (server)"
  cargo build --release --locked -p dailies-server
  if [[ -n $PLUGIN_PATH ]]; then
    log "cargo build --release (organizer plugin ${PLUGIN_ARGS[*]})"
    cargo build --release --locked "${PLUGIN_ARGS[@]}"
  fi
  if (( HAS_CLIENT )); then
    log "building the web client"
    bash scripts/client-build.sh
  fi
fi
if (( ! HAS_CLIENT )); then
  log "no client-svelte/ (or scripts/client-build.sh) in this tree: the web client is not included, a placeholder page is"
fi
SERVER_BIN=$TARGET_DIR/release/dailies-server
[[ -x $SERVER_BIN ]] || die "$SERVER_BIN is missing (build it, or unset DAILIES_DEB_SKIP_BUILD)"
[[ -z $PLUGIN_PATH || -x $PLUGIN_PATH ]] || die "$PLUGIN_PATH is missing"
(( ! HAS_CLIENT )) || [[ -f client-svelte/dist/index.html ]] || die "client-svelte/dist/index.html is missing"

# ---------------------------------------------------------------- stage
export SOURCE_DATE_EPOCH=$SDE
rm -rf "$STAGE"
mkdir -p "$STAGE"
umask 022
install_file() { # mode source destination-in-package
  install -D -m "$1" "$2" "$STAGE/$3"
}
gz() { # source destination-in-package (gzip -9n: no name or time inside)
  mkdir -p "$(dirname "$STAGE/$2")"
  gzip -9nc "$1" >"$STAGE/$2"
  chmod 0644 "$STAGE/$2"
}

install_file 0755 "$SERVER_BIN" usr/bin/dailies-server
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$STAGE/usr/bin/dailies-server"
install_file 0755 $PKG/bin/dailies-user usr/sbin/dailies-user
if [[ -n $PLUGIN_PATH ]]; then
  install_file 0755 "$PLUGIN_PATH" usr/lib/dailies/basic-folders
  strip --strip-unneeded --remove-section=.comment --remove-section=.note "$STAGE/usr/lib/dailies/basic-folders"
fi

mkdir -p "$STAGE/usr/share/dailies/web"
if (( HAS_CLIENT )); then
  cp -r client-svelte/dist/. "$STAGE/usr/share/dailies/web/"
else
  cp $PKG/web-placeholder/index.html "$STAGE/usr/share/dailies/web/"
fi

install_file 0644 $PKG/etc/server.toml etc/dailies/server.toml
# Offer the plugin in the configuration only when both it and the server's option exist.
if [[ -n $PLUGIN_PATH ]] && "$SERVER_BIN" --help | grep -q -- '--organizer-cmd'; then
  cat >>"$STAGE/etc/dailies/server.toml" <<'EOF'

# Organizer plugin: personal folders for everyone, and a user list for admins.
# organizer_cmd = "/usr/lib/dailies/basic-folders"
EOF
fi
install_file 0644 $PKG/nginx/dailies etc/nginx/sites-available/dailies
install_file 0644 $PKG/systemd/dailies.service lib/systemd/system/dailies.service

DOC=usr/share/doc/dailies
gz docs/sysadmin-guide.md $DOC/sysadmin-guide.md.gz
install_file 0644 README.md $DOC/README.md
gz CHANGELOG.md $DOC/changelog.gz
install_file 0644 $PKG/nginx/nginx-oauth2-proxy.conf $DOC/examples/nginx-oauth2-proxy.conf
gz $PKG/man/dailies-server.1 usr/share/man/man1/dailies-server.1.gz
gz $PKG/man/dailies-user.8 usr/share/man/man8/dailies-user.8.gz
if [[ -f $PKG/lintian/dailies ]]; then
  install_file 0644 $PKG/lintian/dailies usr/share/lintian/overrides/dailies
fi

# copyright: ours, then the Expat text from the protocol crate, indented as DEP-5 wants.
{
  cat $PKG/debian/copyright.in
  sed -n '5,$p' protocol/LICENSE-MIT | sed -e 's/^$/./' -e 's/^/ /'
} >"$STAGE/$DOC/copyright"
chmod 0644 "$STAGE/$DOC/copyright"

# What the binaries and the web bundle contain from others, with licenses.
{
  echo "Rust crates linked into dailies-server${PLUGIN_PATH:+ and basic-folders} (name version license):"
  crates=(-p dailies-server)
  [[ -n $PLUGIN_PATH ]] && crates+=(-p organizer-sdk)
  cargo tree --locked "${crates[@]}" -e normal --prefix none --format '{p} {l}' \
    --target "$(rustc -vV | sed -n 's/^host: //p')" 2>/dev/null |
    sed -e 's/ (\*)$//' -e 's/ (proc-macro)//' -e 's# (/[^)]*)##' | grep -v '^$' | sort -u
  if (( HAS_CLIENT )); then
    echo
    echo "npm packages bundled into the web client (name version license):"
    python3 - client-svelte <<'EOF'
import json, os, sys
root = sys.argv[1]
pkg = json.load(open(os.path.join(root, "package.json")))
names = set(pkg.get("dependencies", {}))
# Compiled components import the svelte runtime even though it is a build tool too.
names |= {n for n in pkg.get("devDependencies", {}) if n == "svelte"}
for n in sorted(names):
    try:
        m = json.load(open(os.path.join(root, "node_modules", n, "package.json")))
        print(n, m.get("version", "?"), m.get("license", "?"))
    except OSError:
        print(n, "?", "?")
EOF
  fi
} >"$STAGE/$DOC/third-party-licenses.txt"

# changelog.Debian: ours, with an entry for this version on top when it is not the
# newest entry (e.g. a DAILIES_DEB_VERSION rebuild).
{
  top=$(sed -n '1s/^dailies (\([^)]*\)).*/\1/p' $PKG/debian/changelog)
  if [[ $top != "$VERSION" ]]; then
    printf 'dailies (%s) bookworm; urgency=medium\n\n  * Rebuild of %s as %s.\n\n -- %s  %s\n\n' \
      "$VERSION" "$UPSTREAM" "$VERSION" "$MAINTAINER" "$(date -R -u -d "@$SOURCE_DATE_EPOCH")"
  fi
  sed "s/@MAINTAINER@/$MAINTAINER/" $PKG/debian/changelog
} >"$TARGET_DIR/deb-staging/changelog.Debian"
gz "$TARGET_DIR/deb-staging/changelog.Debian" $DOC/changelog.Debian.gz

# ---------------------------------------------------------------- DEBIAN/
mkdir -p "$STAGE/DEBIAN"
for s in postinst prerm postrm; do
  install -m 0755 $PKG/debian/$s "$STAGE/DEBIAN/$s"
done
(cd "$STAGE" && find etc -type f -printf '/%p\n' | sort) >"$STAGE/DEBIAN/conffiles"
# md5sums covers everything but the conffiles (dpkg tracks those itself).
(cd "$STAGE" && find . -path ./DEBIAN -prune -o -path ./etc -prune -o -type f -printf '%P\0' |
  sort -z | xargs -0 md5sum) >"$STAGE/DEBIAN/md5sums"

# Shared-library dependencies of the binaries: dpkg-shlibdeps when dpkg-dev is there,
# otherwise the packages owning the libraries they link, libc6 at the newest glibc
# symbol version they use.
ELFS=("$STAGE/usr/bin/dailies-server")
[[ -n $PLUGIN_PATH ]] && ELFS+=("$STAGE/usr/lib/dailies/basic-folders")
SHLIBS=
if command -v dpkg-shlibdeps >/dev/null; then
  tmp=$(mktemp -d)
  mkdir -p "$tmp/debian"
  printf 'Source: dailies\n\nPackage: dailies\nArchitecture: any\n' >"$tmp/debian/control"
  SHLIBS=$(cd "$tmp" && dpkg-shlibdeps -O "${ELFS[@]}" 2>/dev/null | sed -n 's/^shlibs:Depends=//p') || SHLIBS=
  rm -rf "$tmp"
fi
if [[ -z $SHLIBS ]]; then
  glibc=$(objdump -T "${ELFS[@]}" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
  deps=()
  for lib in $(readelf -d "${ELFS[@]}" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | sort -u); do
    path=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64|64bit/ {print $NF; exit}')
    [[ -n $path ]] || path=$(ldconfig -p | awk -v l="$lib" '$1 == l {print $NF; exit}')
    owner=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -1 | cut -d: -f1) ||
      owner=$(dpkg -S "$path" 2>/dev/null | head -1 | cut -d: -f1) || true
    [[ -n $owner ]] || die "cannot tell which package provides $lib"
    if [[ $owner == libc6 ]]; then deps+=("libc6 (>= $glibc)"); else deps+=("$owner"); fi
  done
  SHLIBS=$(printf '%s\n' "${deps[@]}" | sort -u | paste -sd, | sed 's/,/, /g')
fi
log "shared libraries: $SHLIBS"

INSTALLED_SIZE=$(du -sk --apparent-size --exclude=DEBIAN "$STAGE" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@MAINTAINER@/$MAINTAINER/" \
  -e "s/@INSTALLED_SIZE@/$INSTALLED_SIZE/" -e "s/@SHLIBS@/$SHLIBS/" \
  $PKG/debian/control >"$STAGE/DEBIAN/control"
if [[ -n ${DAILIES_DEB_HOMEPAGE:-} ]]; then
  echo "Homepage: $DAILIES_DEB_HOMEPAGE" >>"$STAGE/DEBIAN/control"
fi

# Owner root:root and clamped mtimes in the archive, whoever builds it.
find "$STAGE" -newermt "@$SOURCE_DATE_EPOCH" -print0 | xargs -0r touch -h -d "@$SOURCE_DATE_EPOCH"
mkdir -p "$OUT_DIR"
dpkg-deb --root-owner-group -Zxz --build "$STAGE" "$DEB" >/dev/null
log "built $DEB"
log "contents: server$([[ -n $PLUGIN_PATH ]] && echo ", basic-folders plugin" || echo " (no organizer plugin)")$( ((HAS_CLIENT)) && echo ", web client" || echo " (web client placeholder)")"
