# cmake -DBIN=<test binary> -P check_test_names.cmake
# catch_discover_tests turns each Catch2 test case into a ctest test, but a name
# holding ';' (a CMake list separator) or '[' (a tag opener) silently merges
# every later test into one entry that runs nothing. Fail loudly instead.
execute_process(COMMAND "${BIN}" --list-test-names-only OUTPUT_VARIABLE names RESULT_VARIABLE rc)
# Catch2 v2 exits with the number of tests listed; anything else is a crash.
if(NOT rc MATCHES "^[0-9]+$")
  message(FATAL_ERROR "${BIN} --list-test-names-only failed: ${rc}")
endif()
string(REPLACE ";" "<SEMICOLON>" names "${names}")
string(REPLACE "\n" ";" lines "${names}")
set(bad "")
foreach(line IN LISTS lines)
  if(line MATCHES "<SEMICOLON>|\\[")
    string(REPLACE "<SEMICOLON>" ";" line "${line}")
    string(APPEND bad "\n  ${line}")
  endif()
endforeach()
if(bad)
  message(FATAL_ERROR "test names ctest cannot discover (no ';' or '[' allowed):${bad}")
endif()
