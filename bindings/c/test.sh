#!/usr/bin/env bash
# Builds libcookie_charter, checks the committed header against the pinned cbindgen, and runs the
# C tests: plain (shared library), AddressSanitizer + UndefinedBehaviorSanitizer (static
# library), and valgrind; then builds and runs the Makefile example against an installed tree
# (include/, lib/, lib/pkgconfig/cookie_charter.pc).
#
# Usage: bindings/c/test.sh [--update-header]
#   --update-header  regenerate include/cookie_charter.h instead of failing on drift
#
# Needs: cargo, gcc, make, valgrind, pkg-config (the last three installed from Debian's packages
# when absent and running as root). Installs the pinned cbindgen into the target
# directory on first use (cargo install --locked).
set -euo pipefail

CBINDGEN_VERSION=0.29.4

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

update_header=0
for arg in "$@"; do
    case "$arg" in
        --update-header) update_header=1 ;;
        *) echo "unknown argument: $arg" >&2; exit 2 ;;
    esac
done

step() { printf '\n== %s\n' "$*"; }

# The system tools the tests need, from Debian's packages when a fresh machine lacks them.
missing=()
command -v pkg-config > /dev/null || missing+=(pkgconf)
command -v valgrind > /dev/null || missing+=(valgrind)
command -v make > /dev/null || missing+=(make)
if [ ${#missing[@]} -gt 0 ]; then
    step "install ${missing[*]}"
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq && apt-get install -y -qq "${missing[@]}" > /dev/null
    else
        echo "missing: ${missing[*]} (install them, e.g. apt-get install ${missing[*]})" >&2
        exit 1
    fi
fi

target_dir="${CARGO_TARGET_DIR:-}"
if [[ -z "$target_dir" ]]; then
    target_dir="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
fi
[[ -n "$target_dir" ]] || { echo "cannot find the cargo target directory" >&2; exit 1; }
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)"
work="$target_dir/cookie-charter-c"
mkdir -p "$work"

step "build the library (release)"
cargo build -p cookie-charter-c --release
lib_dir="$target_dir/release"
[[ -f "$lib_dir/libcookie_charter.a" && -f "$lib_dir/libcookie_charter.so" ]] \
    || { echo "libcookie_charter.{a,so} not found in $lib_dir" >&2; exit 1; }

step "header drift check (cbindgen $CBINDGEN_VERSION)"
cbindgen_root="$target_dir/tools/cbindgen-$CBINDGEN_VERSION"
cbindgen="$cbindgen_root/bin/cbindgen"
if [[ ! -x "$cbindgen" ]] || [[ "$("$cbindgen" --version)" != "cbindgen $CBINDGEN_VERSION" ]]; then
    cargo install cbindgen --version "$CBINDGEN_VERSION" --locked --root "$cbindgen_root"
fi
generated="$work/cookie_charter.h"
(cd "$here" && "$cbindgen" --quiet --config cbindgen.toml --crate cookie-charter-c --output "$generated" .)
if ! diff -u "$here/include/cookie_charter.h" "$generated"; then
    if [[ "$update_header" == 1 ]]; then
        cp "$generated" "$here/include/cookie_charter.h"
        echo "include/cookie_charter.h updated"
    else
        echo "include/cookie_charter.h is out of date: run bindings/c/test.sh --update-header and commit it" >&2
        exit 1
    fi
else
    echo "include/cookie_charter.h matches the code"
fi

step "install tree and pkg-config file"
# The system libraries the Rust standard library needs when linking the static library.
native_libs="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"
prefix="$work/prefix"
rm -rf "$prefix"
mkdir -p "$prefix/include" "$prefix/lib/pkgconfig"
cp "$here/include/cookie_charter.h" "$prefix/include/"
cp "$lib_dir/libcookie_charter.a" "$lib_dir/libcookie_charter.so" "$prefix/lib/"
sed -e "s|@PREFIX@|$prefix|" -e "s|@VERSION@|$version|" -e "s|@LIBS_PRIVATE@|$native_libs|" \
    "$here/cookie_charter.pc.in" > "$prefix/lib/pkgconfig/cookie_charter.pc"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
pkg-config --exists --print-errors cookie_charter
echo "cookie_charter $(pkg-config --modversion cookie_charter): $(pkg-config --cflags --libs cookie_charter)"

step "the header on its own: C99, C11, C2x and C++17, -Wall -Wextra -Werror -pedantic"
printf '#include <cookie_charter.h>\nint main(void) { return (int)COOKIE_CHARTER_STATUS_OK; }\n' > "$work/header.c"
for std in c99 c11 c2x; do
    gcc -std="$std" -Wall -Wextra -Werror -pedantic -I"$prefix/include" -fsyntax-only "$work/header.c"
done
if command -v g++ > /dev/null; then
    cp "$work/header.c" "$work/header.cpp"
    g++ -std=c++17 -Wall -Wextra -Werror -pedantic -I"$prefix/include" -fsyntax-only "$work/header.cpp"
fi
echo "ok"

cflags=(-std=c11 -Wall -Wextra -Werror -pedantic -g -I"$prefix/include")
tests=(test_api test_vectors test_hostile test_keys)
sources_test_api=("$here/tests/test_api.c")
sources_test_vectors=("$here/tests/test_vectors.c" "$here/tests/json.c")
sources_test_hostile=("$here/tests/test_hostile.c" "$here/tests/json.c")
sources_test_keys=("$here/tests/test_keys.c")
args_test_api=()
args_test_vectors=("$root/tests/vectors")
args_test_hostile=("$root/tests/hostile")
args_test_keys=("$work")

sources_of() { local name="sources_$1[@]"; printf '%s\n' "${!name}"; }
args_of() { local name="args_$1[@]"; printf '%s\n' "${!name}"; }

step "C tests, shared library (-O2)"
for t in "${tests[@]}"; do
    mapfile -t srcs < <(sources_of "$t")
    mapfile -t targs < <(args_of "$t")
    gcc "${cflags[@]}" -O2 -o "$work/$t" "${srcs[@]}" -L"$prefix/lib" -lcookie_charter -lpthread
    LD_LIBRARY_PATH="$prefix/lib" "$work/$t" "${targs[@]}"
done

step "C tests, AddressSanitizer + UndefinedBehaviorSanitizer (static library)"
for t in "${tests[@]}"; do
    mapfile -t srcs < <(sources_of "$t")
    mapfile -t targs < <(args_of "$t")
    gcc "${cflags[@]}" -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all \
        -o "$work/$t-asan" "${srcs[@]}" "$prefix/lib/libcookie_charter.a" $native_libs
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$work/$t-asan" "${targs[@]}"
done

step "C tests, valgrind (static library; suppressed: only the process-wide Public Suffix List)"
for t in "${tests[@]}"; do
    mapfile -t srcs < <(sources_of "$t")
    mapfile -t targs < <(args_of "$t")
    gcc "${cflags[@]}" -O1 -o "$work/$t-static" "${srcs[@]}" "$prefix/lib/libcookie_charter.a" $native_libs
    valgrind --quiet --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=all \
        --show-leak-kinds=all --suppressions="$here/tests/valgrind.supp" \
        "$work/$t-static" "${targs[@]}"
done

step "example (Makefile, pkg-config)"
make -C "$here/examples" clean all BUILD="$work/example"
"$work/example/decide" "$root/examples/epn-agglo/policy.toml" "v=1&rev=1&at=1700000000" 1700000100 sessionid _ga
LD_LIBRARY_PATH="$prefix/lib" "$work/example/decide-shared" "$root/examples/epn-agglo/policy.toml" "" 1700000100 csrftoken
"$work/example/signals" "$root/examples/epn-agglo-plus/policy.toml" 1700000100 "1" "" _ga _fbp
"$work/example/signals" "$root/examples/epn-agglo-plus/policy.toml" 1583436380 "" \
    "tcf:COvzTO5OvzTO5BRAAAENAPCoALIAADgAAAAAAewAwABAAlAB6ABBFADBQAQA9hAAAcAA" _ga

step "C binding: all passed"
