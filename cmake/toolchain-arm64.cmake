# Cross build for linux/arm64 (Raspberry Pi 4) with Debian multiarch:
#   dpkg --add-architecture arm64; apt-get install crossbuild-essential-arm64 <lib>-dev:arm64
# (scripts/install-deps.sh release). Libraries come from /usr/lib/aarch64-linux-gnu; protoc and
# grpc_cpp_plugin are the build machine's (found as programs, never as target files). arm64
# binaries run here only through qemu-aarch64-static called explicitly (no binfmt_misc).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
# Multiarch keeps both architectures under /usr: search /usr, and let CMAKE_LIBRARY_ARCHITECTURE pick
# lib/aarch64-linux-gnu. Programs are always the host's.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_IGNORE_PATH /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu)
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64-static)
