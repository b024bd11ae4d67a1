# HOMESERVER_FUZZ=ON: the whole tree is built with AddressSanitizer + UndefinedBehaviorSanitizer and
# libFuzzer's coverage instrumentation, so the libraries the fuzz targets call report what they do
# wrong, not only the target's own code. UB aborts (no recovery), so the fuzzer records it as a crash.
include_guard(GLOBAL)
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang" OR NOT CMAKE_C_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "HOMESERVER_FUZZ needs clang: configure with CC=clang CXX=clang++ "
                      "(Debian: clang and libclang-rt-14-dev)")
endif()
if(HOMESERVER_SANITIZE OR HOMESERVER_STATIC)
  message(FATAL_ERROR "HOMESERVER_FUZZ brings its own sanitizers: leave HOMESERVER_SANITIZE and HOMESERVER_STATIC off")
endif()
set(HS_SANITIZERS -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
add_compile_options(${HS_SANITIZERS} -fsanitize=fuzzer-no-link)
add_link_options(${HS_SANITIZERS})
# -O1 with line tables (as OSS-Fuzz builds): fast enough to fuzz, quicker to compile than -O2 -g, and
# without -DNDEBUG, so every assert() in the libraries is checked while fuzzing.
foreach(lang C CXX)
  set(CMAKE_${lang}_FLAGS_RELWITHDEBINFO "-O1 -gline-tables-only")
  set(CMAKE_${lang}_FLAGS_RELEASE "-O1 -gline-tables-only")
endforeach()
