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
  # The folders reach the tests as compile-time defaults of kiosk_test_support (an env
  # var of the same name overrides them); ctest's ENVIRONMENT cannot carry a list here.
  set(env "KIOSK_SHARED_DIR=${KIOSK_SHARED_DIR}")
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
