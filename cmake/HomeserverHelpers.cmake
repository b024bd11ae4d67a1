# hs_add_subdirectories(): add every direct child directory that has a CMakeLists.txt.
# Components add themselves by creating their directory; no shared list to edit.
function(hs_add_subdirectories)
  file(GLOB children LIST_DIRECTORIES true RELATIVE ${CMAKE_CURRENT_SOURCE_DIR}
       ${CMAKE_CURRENT_SOURCE_DIR}/*)
  list(SORT children)
  foreach(child IN LISTS children)
    if(IS_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/${child}
       AND EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${child}/CMakeLists.txt)
      add_subdirectory(${child})
    endif()
  endforeach()
endfunction()

# hs_catch2_test(NAME SOURCES... LIBS ... [ARGS ...] [ENV VAR=value...] [LABELS ...]): a Catch2 v2
# unit test executable registered with CTest (ARGS: e.g. a Catch2 tag filter; ENV: extra variables).
# Tests run with the source tree's tests/ as working directory so golden files resolve.
function(hs_catch2_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS;ARGS;ENV" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE hs_catch_main ${T_LIBS})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  add_test(NAME ${name} COMMAND ${name} ${T_ARGS})
  set_tests_properties(${name} PROPERTIES LABELS "unit;${T_LABELS}"
    ENVIRONMENT "HS_SOURCE_DIR=${CMAKE_SOURCE_DIR};HS_BUILD_DIR=${CMAKE_BINARY_DIR};${T_ENV}")
endfunction()

# hs_e2e_test(NAME COMMAND... [TIMEOUT s] [LABELS ...]): an end-to-end test script run by CTest.
# Scripts find the binaries through HS_BUILD_DIR and print SKIPPED loudly (exit 77) when a real
# part is missing; CTest reports those as skipped, never as passed.
function(hs_e2e_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "COMMAND;LABELS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 600)
  endif()
  add_test(NAME ${name} COMMAND ${T_COMMAND} WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
  set_tests_properties(${name} PROPERTIES LABELS "e2e;${T_LABELS}" TIMEOUT ${T_TIMEOUT}
    SKIP_RETURN_CODE 77
    ENVIRONMENT "HS_SOURCE_DIR=${CMAKE_SOURCE_DIR};HS_BUILD_DIR=${CMAKE_BINARY_DIR};CHECKPOINT_DISABLE=1;TF_IN_AUTOMATION=1")
  # Tests that start the Swift S3 server may run side by side: tests/support/s3server.py starts one
  # Swift at a time (a file lock), which is what two instances starting together on 2 cores needed.
endfunction()
