#!/usr/bin/env bash
# The whole test suite: installs what the interop tests talk to (Apache Thrift's compiler and its Python
# library), then checks formatting and lints and runs every test in the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v thrift >/dev/null 2>&1; then
    echo "==> installing Debian's thrift-compiler"
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq thrift-compiler >/dev/null
fi

venv="$PWD/target/interop-venv"
if ! "$venv/bin/python" -c 'import thrift' >/dev/null 2>&1; then
    echo "==> creating $venv with the PyPI thrift package"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'thrift==0.25.0'
fi
export IDLC_PYTHON="$venv/bin/python"
export IDLC_THRIFT="$(command -v thrift)"

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "==> cargo test"
cargo test --workspace --locked

echo "==> the codec-only build: idlc-runtime without default features has no tokio, and its protocol tests pass"
if cargo tree -p idlc-runtime --no-default-features --features derive --edges normal --locked \
    | grep -E '^[^a-z]*(tokio|flate2) '; then
    echo "the codec-only build depends on the crates above" >&2
    exit 1
fi
cargo clippy -p idlc-runtime --no-default-features --features derive --all-targets --locked -- -D warnings
cargo test -p idlc-runtime --no-default-features --features derive --locked

echo "==> rustdoc"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet
RUSTDOCFLAGS="-D warnings" cargo doc -p idlc-runtime --no-default-features --no-deps --locked --quiet
