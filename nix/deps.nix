# What scl needs to build and test, as nixpkgs attribute paths. scripts/setup-deps installs the
# same things on Debian; nix/debian-packages.map pairs them, and tests/nix/check.sh checks that
# the two lists agree. Plain data (no nixpkgs needed), so the check can evaluate it offline.
{
  # tools that run at build time
  native = [
    "autoconf" "automake" "libtool" "pkg-config" "re2c" "lemon" "protobufc" "python3"
  ];
  # libraries linked into libscl, scl, scl-mod and scl-function
  libraries = [
    "libyaml" "cjson" "xxHash" "pcre2" "openssl" "curl" "libgit2" "libarchive" "grpc"
    "protobuf" "protobufc" "check"
  ];
  # programs `make check` runs (a test skips when one is missing)
  check = [ "openssl" "git" "docker-distribution" "nix" "groff" ];
  # Python modules of the test drivers and of bindings/python
  python = [
    "python3Packages.ruamel-yaml" "python3Packages.pyjwt" "python3Packages.cryptography"
    "python3Packages.grpcio" "python3Packages.protobuf" "python3Packages.cffi"
    "python3Packages.pytest" "python3Packages.setuptools" "python3Packages.wheel"
  ];
}
