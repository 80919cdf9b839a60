# The --metrics endpoint of the sipwatch binary (metrics_test.py): a scrape of
# a capture held open by --metrics-linger, linted with promtool, and the
# one-line errors for a malformed address and a port already in use, and a
# scrape that still answers under 40 slow connections. Each
# skips (77) when promtool or the options are missing. Included from
# tests/integration/CMakeLists.txt (needs Python3_EXECUTABLE and PCAPS_DIR).
foreach(case scrape bad_address port_in_use slowloris)
  add_test(NAME metrics.${case}
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/metrics_test.py
            $<TARGET_FILE:sipwatch> ${PCAPS_DIR} ${case})
  set_tests_properties(metrics.${case} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)
endforeach()
