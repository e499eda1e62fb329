# cmake -DOUTPUT=<file.cpp> -DROOT=<signals dir> -DFILES="a.json;b.json" -P EmbedSignals.cmake
# Writes a C++ source holding each literature table of signals/ verbatim, so the
# library carries its constants with their sources and needs no data path at run time.
set(_out "// Generated from signals/ by cmake/EmbedSignals.cmake. Do not edit.\n")
string(APPEND _out "#include \"embedded_tables.hpp\"\n\nnamespace edx::signals::detail {\n\n")
string(APPEND _out "const std::vector<EmbeddedTable>& embedded_tables() {\n    static const std::vector<EmbeddedTable> tables = {\n")
foreach(_f IN LISTS FILES)
  file(READ "${ROOT}/${_f}" _content)
  string(FIND "${_content}" ")edxjson\"" _clash)
  if(NOT _clash EQUAL -1)
    message(FATAL_ERROR "${_f} contains the raw-string delimiter )edxjson\"")
  endif()
  string(APPEND _out "        {\"${_f}\", R\"edxjson(${_content})edxjson\"},\n")
endforeach()
string(APPEND _out "    };\n    return tables;\n}\n\n}  // namespace edx::signals::detail\n")
file(WRITE "${OUTPUT}.tmp" "${_out}")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
