# Test executables hold setup and assertions; the code under test is in the libraries,
# built with the build type's flags. Their sources are compiled together in batches
# (unity build) at KIOSK_TEST_COMPILE_OPTIONS: gtest and nlohmann/json are parsed and
# instantiated once per batch instead of once per file. Measured on one file of
# tests/server/api (2 idle cores, 2026-12-02): -O2 -g 21.4 s, -O1 -g1 9.0 s, -O0 -g1 6.9 s;
# four files as one batch at -O1 -g1 17.9 s against 34.7 s one by one.
set(KIOSK_TEST_COMPILE_OPTIONS "-O1;-g1" CACHE STRING "compile options of the test executables (after the build type's)")
set(KIOSK_TEST_UNITY_BATCH "8" CACHE STRING "test sources per unity batch (0: no unity build)")
# 0: one ctest test per GoogleTest test (gtest_discover_tests: one process each, named
# runs with -R). N > 0: each test executable runs as N processes, the sanitizer builds'
# setting: there a process start costs up to 1.9 s (ASan over the shared libraries of
# OpenCV, dlib, GDAL...), and 1,212 starts were most of the ASan stage's test time.
set(KIOSK_TEST_SHARDS "0" CACHE STRING "processes per test executable (0: one per test)")
function(kiosk_test_compile_options target)
  target_compile_options(${target} PRIVATE ${KIOSK_TEST_COMPILE_OPTIONS})
  if(KIOSK_TEST_UNITY_BATCH GREATER 0)
    set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE ${KIOSK_TEST_UNITY_BATCH})
  endif()
endfunction()

# kiosk_add_test_folder(<name> LIBS <libs...> [PROPERTIES <ctest properties...>])
# One GoogleTest executable per folder: every *_test.cpp in the calling folder.
# PROPERTIES are added to every test of the folder (e.g. FIXTURES_REQUIRED).
# Test suites whose name contains "Dataset" read ../shared/data: they get the ctest
# label `dataset` and skip with a message when the folder is absent.
function(kiosk_add_test_folder name)
  cmake_parse_arguments(ARG "" "" "LIBS;PROPERTIES" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cpp)
  if(NOT srcs)
    return()
  endif()
  add_executable(${name}_tests ${srcs})
  target_link_libraries(${name}_tests PRIVATE ${ARG_LIBS} kiosk_test_support GTest::gtest GTest::gtest_main GTest::gmock)
  kiosk_test_compile_options(${name}_tests)
  # The folders reach the tests as compile-time defaults of kiosk_test_support (an env
  # var of the same name overrides them); ctest's ENVIRONMENT cannot carry a list here.
  set(env "KIOSK_SHARED_DIR=${KIOSK_SHARED_DIR}")
  if(KIOSK_TEST_SHARDS GREATER 0)
    # <folder>.shard<i>of<N> and <folder>.dataset.shard<i>of<N>: GoogleTest's own sharding
    # (round robin over the tests); several tests per process. No skip expression: a
    # process whose tests partly skipped still ran the others.
    math(EXPR last "${KIOSK_TEST_SHARDS} - 1")
    set(kinds main)
    foreach(src ${srcs})
      file(STRINGS ${src} dataset_lines REGEX "Dataset")
      if(dataset_lines)
        set(kinds main dataset)
      endif()
    endforeach()
    foreach(kind ${kinds})
      if(kind STREQUAL "main")
        set(filter "-*Dataset*")
        set(test_prefix "${name}")
        set(label "${name}")
      else()
        set(filter "*Dataset*")
        set(test_prefix "${name}.dataset")
        set(label "dataset;${name}")  # -LE deb also leaves out deb's dataset shards
      endif()
      foreach(i RANGE ${last})
        set(t "${test_prefix}.shard${i}of${KIOSK_TEST_SHARDS}")
        add_test(NAME ${t} COMMAND ${name}_tests --gtest_filter=${filter})
        set_tests_properties(${t} PROPERTIES
          ENVIRONMENT "${env};GTEST_TOTAL_SHARDS=${KIOSK_TEST_SHARDS};GTEST_SHARD_INDEX=${i}"
          LABELS "${label}" ${ARG_PROPERTIES})
      endforeach()
    endforeach()
    return()
  endif()
  gtest_discover_tests(${name}_tests
    TEST_FILTER "-*Dataset*"
    DISCOVERY_MODE PRE_TEST
    DISCOVERY_TIMEOUT 60
    PROPERTIES ENVIRONMENT "${env}" LABELS "${name}" ${ARG_PROPERTIES})
  gtest_discover_tests(${name}_tests
    TEST_FILTER "*Dataset*"
    DISCOVERY_MODE PRE_TEST
    DISCOVERY_TIMEOUT 60
    PROPERTIES ENVIRONMENT "${env}" LABELS dataset ${ARG_PROPERTIES})
endfunction()
