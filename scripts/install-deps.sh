#!/usr/bin/env bash
# Installs the system packages Dailies needs to build, run and test.
# Safe to run again; uses sudo only when not already root.
set -euo pipefail

PKGS=(ffmpeg mediainfo sqlite3 libpq-dev curl ca-certificates pkg-config fonts-dejavu-core)
if [[ "${1:-}" == "--test" ]]; then
  PKGS+=(protobuf-compiler python3 python3-pip poppler-utils postgresql nginx)
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if (( ${#missing[@]} )); then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  # Archives occasionally vanish between update and install: retry a few times.
  for attempt in 1 2 3; do
    if $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"; then break; fi
    if (( attempt == 3 )); then echo "install-deps: apt-get install failed" >&2; exit 1; fi
    sleep 5; $SUDO apt-get update -q
  done
fi

if [[ "${1:-}" == "--test" ]]; then
  # Real tus client for the resumable-upload test.
  python3 -c "import tusclient" 2>/dev/null || python3 -m pip install -q --root-user-action=ignore tuspy
fi

# The Python organizer SDK (organizer-sdk/python) and its tests: grpcio and protobuf at
# least as new as the committed stubs need, grpcio-tools for the stub drift test, and
# setuptools to `pip install` the package offline. Debian marks its Python as externally
# managed: these go in anyway, as the tests need them.
py_organizer_ok() {
  python3 - <<'PY' 2>/dev/null
import grpc, grpc_tools, google.protobuf, setuptools
def v(s): return tuple(int(x) for x in s.split(".")[:3] if x.isdigit())
assert v(grpc.__version__) >= (1, 85, 1) and v(google.protobuf.__version__) >= (7, 35, 1)
assert v(setuptools.__version__) >= (70, 1)
PY
}
if [[ "${1:-}" == "--test" ]] && ! py_organizer_ok; then
  echo "install-deps: installing grpcio grpcio-tools protobuf setuptools (Python organizer SDK tests)"
  pip_args=(install --quiet --root-user-action=ignore --upgrade "grpcio>=1.85.1" "grpcio-tools>=1.85.1"
            "protobuf>=7.35.1" "setuptools>=70.1")
  if python3 -m pip install --help 2>/dev/null | grep -- --break-system-packages >/dev/null; then
    pip_args+=(--break-system-packages)
  fi
  $SUDO python3 -m pip "${pip_args[@]}"
  py_organizer_ok || { echo "install-deps: grpcio/protobuf for the Python organizer SDK are still missing" >&2; exit 1; }
fi

# A real SMTP server on loopback receives the notification mails in the notify tests.
if [[ "${1:-}" == "--test" ]] && ! python3 -c "import aiosmtpd" 2>/dev/null; then
  echo "install-deps: installing aiosmtpd (notification mail tests)"
  pip_args=(install --quiet --root-user-action=ignore "aiosmtpd>=1.4")
  if python3 -m pip install --help 2>/dev/null | grep -- --break-system-packages >/dev/null; then
    pip_args+=(--break-system-packages)
  fi
  $SUDO python3 -m pip "${pip_args[@]}"
  python3 -c "import aiosmtpd" || { echo "install-deps: aiosmtpd is still missing" >&2; exit 1; }
fi

# OpenTimelineIO reads the EDL, FCPXML and FCP 7 XML exports back in the interchange tests.
if [[ "${1:-}" == "--test" ]] && ! python3 -c "import opentimelineio, otio_cmx3600_adapter, otio_fcpx_xml_adapter, otio_fcp_adapter" 2>/dev/null; then
  echo "install-deps: installing opentimelineio and its EDL/FCP adapters (interchange tests)"
  pip_args=(install --quiet --root-user-action=ignore "opentimelineio>=0.17" otio-cmx3600-adapter
    otio-fcpx-xml-adapter otio-fcp-adapter)
  if python3 -m pip install --help 2>/dev/null | grep -- --break-system-packages >/dev/null; then
    pip_args+=(--break-system-packages)
  fi
  $SUDO python3 -m pip "${pip_args[@]}"
  python3 -c "import opentimelineio, otio_cmx3600_adapter, otio_fcpx_xml_adapter, otio_fcp_adapter" \
    || { echo "install-deps: opentimelineio is still missing" >&2; exit 1; }
fi
