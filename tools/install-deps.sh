#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Install what cell needs to build, test and benchmark on Debian 12 (root).
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	build-essential meson ninja-build pkg-config clang \
	libseccomp-dev libcap-dev libnftables-dev libjansson-dev \
	libarchive-dev libcmocka-dev libbtrfsutil-dev libzstd-dev \
	busybox-static debootstrap curl iproute2 nftables bpftool iperf3 btrfs-progs \
	crun runc bubblewrap hyperfine util-linux procps \
	podman containerd skopeo umoci jq \
	>/dev/null
