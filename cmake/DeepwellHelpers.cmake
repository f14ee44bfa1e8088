# Helpers shared by every CMakeLists.txt of the tree.

# dw_module(NAME SOURCES ... DEPS ...)
# One static library per engine module (dw_core, dw_gguf, ...), so a module and its tests
# build on their own. Include roots: engine/include (public API) and engine/ (internals).
function(dw_module name)
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
    add_library(dw_${name} STATIC ${ARG_SOURCES})
    target_include_directories(dw_${name} PUBLIC
        ${PROJECT_SOURCE_DIR}/engine/include ${PROJECT_SOURCE_DIR}/engine)
    target_compile_options(dw_${name} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:${DW_WARNINGS}>)
    target_link_libraries(dw_${name} PUBLIC ${ARG_DEPS})
endfunction()

# dw_add_qtest(NAME SOURCES ... LIBS ... [LABELS ...] [TIMEOUT s] [ENV ...])
# A Qt Test executable run by ctest under the offscreen platform.
function(dw_add_qtest name)
    cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LIBS;LABELS;ENV" ${ARGN})
    add_executable(${name} ${ARG_SOURCES})
    set_target_properties(${name} PROPERTIES AUTOMOC ON)
    target_link_libraries(${name} PRIVATE Qt6::Test ${ARG_LIBS})
    target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
    target_compile_options(${name} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:${DW_WARNINGS}>)
    target_compile_definitions(${name} PRIVATE
        DW_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data"
        DW_BUILD_DIR="${PROJECT_BINARY_DIR}")
    add_test(NAME ${name} COMMAND ${name})
    if(NOT ARG_TIMEOUT)
        set(ARG_TIMEOUT 300)
    endif()
    set_tests_properties(${name} PROPERTIES TIMEOUT ${ARG_TIMEOUT}
        ENVIRONMENT "QT_QPA_PLATFORM=offscreen;${ARG_ENV}")
    if(ARG_LABELS)
        set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}")
    endif()
endfunction()

# dw_add_lowered_isa_tests(TEST)
# Runs the Qt Test executable TEST again as TEST_scalar and TEST_avx2 with DEEPWELL_ISA set,
# so the kernels of the lower instruction sets are exercised on a CPU that has AVX-512.
function(dw_add_lowered_isa_tests name)
    foreach(isa scalar avx2)
        add_test(NAME ${name}_${isa} COMMAND ${name})
        set_tests_properties(${name}_${isa} PROPERTIES TIMEOUT 300
            ENVIRONMENT "QT_QPA_PLATFORM=offscreen;DEEPWELL_ISA=${isa}")
    endforeach()
endfunction()
