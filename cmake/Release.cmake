# Release artifacts: `cmake --build build --target release` writes build/release/:
#   terraform-provider-homeserver_<V>_linux_{amd64,arm64}.zip, _SHA256SUMS, _manifest.json, [_SHA256SUMS.sig]
#   homeserver-replicator_<V>.oci.tar (+ .digest): the replicator image for linux/amd64 and linux/arm64
# <V> is project(... VERSION) and nothing else.
#
# Static variants: for each shipped executable X this adds X-static, compiled from X's own (thin main)
# sources and linked against the very libraries of X — the component archives of this build, so gRPC
# code is compiled once per architecture — with every shared library swapped for its static archive by
# scripts/release-static-link.sh. The arm64 binaries come from a cross sub-build in
# <build>/release-arm64 (cmake/toolchain-arm64.cmake) that builds only the static variants.
include_guard(GLOBAL)

set(HS_RELEASE_WORK ${CMAKE_BINARY_DIR}/release-work CACHE PATH
    "Scratch dir of the release: minimal curl, unpacked -dev .debs (shared with the arm64 sub-build)")
set(HOMESERVER_GPG_KEY "$ENV{HOMESERVER_GPG_KEY}" CACHE STRING
    "Key id/fingerprint/email in the local gpg keyring to sign the provider's SHA256SUMS with (empty: unsigned)")
set(HOMESERVER_SOURCE_URL "https://github.com/homeserver/homeserver" CACHE STRING
    "org.opencontainers.image.source annotation of the replicator image")

if(CMAKE_CROSSCOMPILING)
  set(HS_RELEASE_ARCH arm64)
  set(HS_RELEASE_TRIPLE aarch64-linux-gnu)
else()
  set(HS_RELEASE_ARCH amd64)
  set(HS_RELEASE_TRIPLE x86_64-linux-gnu)
endif()
set(HS_RELEASE_ARCH_WORK ${HS_RELEASE_WORK}/${HS_RELEASE_ARCH})

# Minimal static curl + unpacked archives for this architecture (see scripts/release-prep.sh).
add_custom_command(OUTPUT ${HS_RELEASE_ARCH_WORK}/.prep-stamp
  COMMAND bash ${CMAKE_SOURCE_DIR}/scripts/release-prep.sh ${HS_RELEASE_ARCH} ${HS_RELEASE_WORK}
  DEPENDS ${CMAKE_SOURCE_DIR}/scripts/release-prep.sh ${CMAKE_SOURCE_DIR}/scripts/release-curl.sh
  COMMENT "Preparing static libraries for linux/${HS_RELEASE_ARCH}" VERBATIM)
add_custom_target(hs_release_prep DEPENDS ${HS_RELEASE_ARCH_WORK}/.prep-stamp)

# hs_release_static_variant(<target> PKGS <pkg-config modules>...): <target>-static, stripped,
# output bin/static/<target>. PKGS are the modules whose static dependencies the archives need.
function(hs_release_static_variant target)
  cmake_parse_arguments(S "" "" "PKGS" ${ARGN})
  if(NOT TARGET ${target})
    return()
  endif()
  set(variant ${target}-static)
  get_target_property(dir ${target} SOURCE_DIR)
  get_target_property(sources ${target} SOURCES)
  set(abs_sources)
  foreach(src IN LISTS sources)
    cmake_path(ABSOLUTE_PATH src BASE_DIRECTORY ${dir} OUTPUT_VARIABLE abs)
    list(APPEND abs_sources ${abs})
  endforeach()
  add_executable(${variant} EXCLUDE_FROM_ALL ${abs_sources})
  foreach(prop INCLUDE_DIRECTORIES COMPILE_DEFINITIONS COMPILE_OPTIONS COMPILE_FEATURES LINK_LIBRARIES)
    get_target_property(value ${target} ${prop})
    if(value)
      set_property(TARGET ${variant} PROPERTY ${prop} "${value}")
    endif()
  endforeach()
  set(launcher ${CMAKE_SOURCE_DIR}/scripts/release-static-link.sh
      --pkgconfig-path ${HS_RELEASE_ARCH_WORK}/curl/lib/pkgconfig:/usr/lib/${HS_RELEASE_TRIPLE}/pkgconfig:/usr/share/pkgconfig
      --replace curl=${HS_RELEASE_ARCH_WORK}/curl/lib/libcurl.a
      --archive-dir ${HS_RELEASE_ARCH_WORK}/lib
      --archive-dir ${HS_RELEASE_ARCH_WORK}/debs/usr/lib/${HS_RELEASE_TRIPLE})
  foreach(pkg IN LISTS S_PKGS)
    list(APPEND launcher --pkg ${pkg})
  endforeach()
  list(APPEND launcher --)
  list(JOIN launcher " " launcher)
  set_target_properties(${variant} PROPERTIES
    RULE_LAUNCH_LINK "${launcher}"
    OUTPUT_NAME ${target}
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin/static)
  # Stripped, and unreferenced sections of the archives dropped: the image size is a goal (docs/benchmarks.md).
  target_link_options(${variant} PRIVATE -s -Wl,--gc-sections)
  add_dependencies(${variant} hs_release_prep)
endfunction()

# No zlib or brotli: the minimal curl and the release's libcpp-httplib.a are built without them
# (scripts/release-curl.sh, scripts/release-prep.sh), which keeps the image small.
hs_release_static_variant(homeserver-replicator PKGS libcurl sqlite3 liblz4 openssl)
hs_release_static_variant(terraform-provider-homeserver PKGS grpc++ protobuf openssl zlib)

# The image digest the provider pins its default replicator_image to (<name>:<V>@sha256:<index>):
# every build has generated/homeserver/release_image.h with an empty digest (development builds use
# the tag alone); the static provider variants include release-generated/ first, whose header holds
# the digest of the image built just before them. Only provider/main.cpp is compiled again for it.
set(HS_RELEASE_GENERATED_DIR ${CMAKE_BINARY_DIR}/release-generated CACHE PATH
    "Directory of the release's homeserver/release_image.h (the arm64 sub-build uses the main build's)")
if(NOT EXISTS ${CMAKE_BINARY_DIR}/generated/homeserver/release_image.h)
  file(WRITE ${CMAKE_BINARY_DIR}/generated/homeserver/release_image.h
       "#pragma once\n// Development build: no pinned replicator image (see cmake/Release.cmake).\n"
       "#define HOMESERVER_REPLICATOR_IMAGE_DIGEST \"\"\n")
endif()
if(TARGET terraform-provider-homeserver-static)
  target_include_directories(terraform-provider-homeserver-static BEFORE PRIVATE ${HS_RELEASE_GENERATED_DIR})
endif()

# The arm64 sub-build stops here: the main build packages its outputs.
if(CMAKE_CROSSCOMPILING OR HOMESERVER_RELEASE_SUBBUILD)
  return()
endif()

set(HS_RELEASE_DIR ${CMAKE_BINARY_DIR}/release)
set(arm64_dir ${CMAKE_BINARY_DIR}/release-arm64)
set(version ${PROJECT_VERSION})
if(NOT TARGET terraform-provider-homeserver)
  message(STATUS "release: no terraform-provider-homeserver target (HOMESERVER_BUILD_PROVIDER is off): "
                 "the release target packages the replicator image only")
endif()

# The arm64 sub-build configures with the same options and builds only static variants, in two
# steps (replicator, then after the image the provider). Each step waits for the amd64 work before
# it so that, with -j2 outside and -j2 inside, at most two jobs run at once. Its unit tests are
# built and run under qemu by tests/e2e/release/arm64_unit.sh, not by the release target.
set(arm64_configure ${CMAKE_COMMAND} -S ${CMAKE_SOURCE_DIR} -B ${arm64_dir}
    -DCMAKE_TOOLCHAIN_FILE=${CMAKE_SOURCE_DIR}/cmake/toolchain-arm64.cmake
    -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE}
    -DHOMESERVER_BUILD_TESTS=${HOMESERVER_BUILD_TESTS}
    -DHOMESERVER_BUILD_PROVIDER=${HOMESERVER_BUILD_PROVIDER}
    -DHOMESERVER_RELEASE_SUBBUILD=ON
    -DHS_RELEASE_WORK=${HS_RELEASE_WORK}
    -DHS_RELEASE_GENERATED_DIR=${HS_RELEASE_GENERATED_DIR})
# Its configure takes yaml-cpp from the unpacked libyaml-cpp-dev:arm64 (replicator/config), which the
# sub-build's own hs_release_prep would unpack only after configuring: unpack the .debs first.
set(arm64_prep_debs bash ${CMAKE_SOURCE_DIR}/scripts/release-prep.sh arm64 ${HS_RELEASE_WORK} debs)
add_custom_target(hs_release_arm64_replicator
  COMMAND ${arm64_prep_debs}
  COMMAND ${arm64_configure}
  COMMAND ${CMAKE_COMMAND} --build ${arm64_dir} -j2 --target homeserver-replicator-static
  COMMENT "Cross-building the linux/arm64 replicator in ${arm64_dir}"
  USES_TERMINAL VERBATIM)
add_dependencies(hs_release_arm64_replicator homeserver-replicator-static)

set(image_tar ${HS_RELEASE_DIR}/homeserver-replicator_${version}.oci.tar)
add_custom_target(hs_release_image
  COMMAND python3 ${CMAKE_SOURCE_DIR}/scripts/image-build.py
          --version ${version}
          --source-dir ${CMAKE_SOURCE_DIR}
          --source-url ${HOMESERVER_SOURCE_URL}
          --binary amd64=${CMAKE_BINARY_DIR}/bin/static/homeserver-replicator
          --binary arm64=${arm64_dir}/bin/static/homeserver-replicator
          --out ${image_tar}
          --digest-header ${HS_RELEASE_GENERATED_DIR}/homeserver/release_image.h
  COMMENT "Writing ${image_tar}"
  VERBATIM)
add_dependencies(hs_release_image hs_release_arm64_replicator)

set(package_cmd)
set(release_needs hs_release_image)
if(TARGET terraform-provider-homeserver-static)
  add_dependencies(terraform-provider-homeserver-static hs_release_image)
  add_custom_target(hs_release_arm64_provider
    COMMAND ${arm64_prep_debs}
    COMMAND ${arm64_configure}
    COMMAND ${CMAKE_COMMAND} --build ${arm64_dir} -j2 --target terraform-provider-homeserver-static
    COMMENT "Cross-building the linux/arm64 provider in ${arm64_dir}"
    USES_TERMINAL VERBATIM)
  add_dependencies(hs_release_arm64_provider terraform-provider-homeserver-static)
  set(release_needs hs_release_arm64_provider)
  set(package_cmd COMMAND bash ${CMAKE_SOURCE_DIR}/scripts/release-package.sh
      --version ${version} --out ${HS_RELEASE_DIR}
      --binary amd64=${CMAKE_BINARY_DIR}/bin/static/terraform-provider-homeserver
      --binary arm64=${arm64_dir}/bin/static/terraform-provider-homeserver)
  # CMake drops an empty argument: pass the key only when there is one (else the env var may name it).
  if(HOMESERVER_GPG_KEY)
    list(APPEND package_cmd --gpg-key ${HOMESERVER_GPG_KEY})
  endif()
endif()
add_custom_target(release ${package_cmd} COMMENT "Release ${version} in ${HS_RELEASE_DIR}" VERBATIM)
add_dependencies(release ${release_needs})
