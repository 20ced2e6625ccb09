#!/usr/bin/env bash
# The style rules CI enforces (STYLE.md): modules keep their layering — common/ includes
# neither side, master/ and worker/ never include each other — and every C++ file is
# clang-formatted. Prints each offence and exits 1 if there is any.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0

forbid() {  # forbid FOLDER INCLUDED_FOLDER...
  local folder=$1
  shift
  for other in "$@"; do
    if grep -rn --include='*.cpp' --include='*.hpp' "#include \"$other/" "$folder"; then
      echo "check-style: $folder/ must not include $other/ (see STYLE.md)" >&2
      status=1
    fi
  done
}
forbid common master worker
forbid master worker
forbid worker master

files=$(git ls-files --cached --others --exclude-standard '*.cpp' '*.hpp' '*.h' '*.c')
if ! clang-format --dry-run --Werror $files; then
  echo "check-style: files above are not clang-formatted; run scripts/format.sh" >&2
  status=1
fi
exit $status
