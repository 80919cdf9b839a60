# Dashboard tests: dashboard_test.py drives sipwatch in a private tmux server
# and reads the screen (80x24 and 200x50, ASCII/monochrome, SIGTERM and a lost
# terminal, the header of a truncated file, the Calls view). Included from tests/integration/CMakeLists.txt (Python3 found
# there). Skipped (77) when tmux is not installed; serial, as they time keys.
foreach(mode 80x24 200x50 ascii signal hangup truncated calls media)
  add_test(NAME dashboard.${mode}
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/dashboard_test.py
            $<TARGET_FILE:sipwatch> ${PROJECT_SOURCE_DIR}/pcaps ${mode})
  set_tests_properties(dashboard.${mode} PROPERTIES SKIP_RETURN_CODE 77 RUN_SERIAL TRUE TIMEOUT 120)
endforeach()
