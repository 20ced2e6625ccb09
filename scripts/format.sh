#!/usr/bin/env bash
# Formats every C++ file of the project in place (clang-format, .clang-format at the root).
set -euo pipefail
cd "$(dirname "$0")/.."
git ls-files --cached --others --exclude-standard "*.cpp" "*.hpp" "*.h" "*.c" | xargs clang-format -i
