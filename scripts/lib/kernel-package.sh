#!/bin/sh
# Prints the kernel package linux-image-amd64 stands for (linux-image-<abi>-amd64), refreshing the
# apt lists once if they do not know it; exits 1 with a message if it cannot be resolved.
# Used by build-vm-image.sh (qemu nodes) and build-xen-host.sh (the nested Xen host).
set -eu
resolve() { apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -1; }
k=$(resolve)
if [ -z "$k" ]; then apt-get update -qq; k=$(resolve); fi
[ -n "$k" ] || { echo "kernel-package: cannot resolve linux-image-amd64 to a linux-image-<abi>-amd64 package" >&2; exit 1; }
echo "$k"
