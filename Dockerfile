# The runtime image of the Crossplane composition function: scl-function (function-kcl
# compatible) on debian:bookworm-slim. Build from the top of the source tree:
#   docker build -t scl-function .
# Crossplane runs the ENTRYPOINT with no arguments and TLS_SERVER_CERTS_DIR set (mTLS on :9443);
# `crossplane render` appends `--insecure`. See doc/function.md (packaging).

# {===== build: the whole tree, configured and built as ./bootstrap does
FROM debian:bookworm AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        build-essential autoconf automake libtool pkg-config re2c lemon libyaml-dev \
        libcjson-dev libxxhash-dev libpcre2-dev libssl-dev check libcurl4-openssl-dev \
        libgit2-dev libarchive-dev libgrpc-dev protobuf-c-compiler libprotobuf-c-dev \
        libprotobuf-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY configure.ac Makefile.am libscl.pc.in ./
COPY m4 m4
COPY lang lang
COPY runtime runtime
COPY stdlib stdlib
COPY cli cli
COPY pkg pkg
COPY function function
COPY schemas schemas
COPY doc doc
RUN autoreconf -fi && mkdir /build && cd /build && /src/configure && make -j"$(nproc)" \
    && strip scl-function

# {===== runtime: the server and the shared libraries it links (ldd scl-function)
FROM debian:bookworm-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libgrpc29 libprotobuf-c1 libyaml-0-2 libcjson1 libpcre2-8-0 libssl3 libxxhash0 \
        libcurl4 libgit2-1.5 libarchive13 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /build/scl-function /usr/local/bin/scl-function
# Crossplane runs function pods as uid/gid 2000, non-root; packages of oci:// sources and
# dependencies are fetched into a writable package home
ENV KCL_PKG_PATH=/tmp/kcl/kpm
USER 2000:2000
EXPOSE 9443
ENTRYPOINT ["/usr/local/bin/scl-function"]
