# SPDX-License-Identifier: MIT
# dash_add_test(<name> SOURCES <files...> [LIBS <targets...>] [LABELS <labels...>]
#               [TIMEOUT <seconds>])
# Builds a QtTest executable and registers it with CTest; a run that skipped a
# test function shows as skipped (cmake/run-qtest.sh). Tests find the shared
# models and data through DASH_SHARED_DIR (overridable by DASH_MODEL_DIR and
# DASH_DATA_DIR at run time).
set(DASH_SHARED_DIR "${PROJECT_SOURCE_DIR}/../shared" CACHE PATH
    "Directory holding models/ and data/ for tests and benchmarks")

function(dash_add_test name)
    cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
    if(NOT TARGET Qt6::Test)
        message(STATUS "Skipping ${name}: QtTest not found")
        return()
    endif()
    add_executable(${name} ${T_SOURCES})
    target_link_libraries(${name} PRIVATE Qt6::Test ${T_LIBS})
    target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
    target_compile_definitions(${name} PRIVATE
        DASH_SHARED_DIR_DEFAULT="${DASH_SHARED_DIR}"
        DASH_TEST_BINARY_DIR="${CMAKE_CURRENT_BINARY_DIR}")
    add_test(NAME ${name} COMMAND ${PROJECT_SOURCE_DIR}/cmake/run-qtest.sh $<TARGET_FILE:${name}>)
    if(NOT T_TIMEOUT)
        set(T_TIMEOUT 600)
    endif()
    set_tests_properties(${name} PROPERTIES
        LABELS "${T_LABELS}"
        TIMEOUT ${T_TIMEOUT}
        SKIP_RETURN_CODE 77
        ENVIRONMENT "QT_QPA_PLATFORM=offscreen")
endfunction()
