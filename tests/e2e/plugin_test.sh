#!/usr/bin/env bash
# problem.name = "plugin" under real mpirun: the example sphere plugin (examples/
# sphere_plugin.c) and the C++-registered problem of examples/find_package/custom_problem.cpp give
# bit-identical results to the built-in sphere, also at other rank counts; a missing
# library, a missing symbol, an ABI mismatch and a library missing on one worker's node only
# end every rank with exit 2 and a message naming plugin.library.
source "$(dirname "$0")/lib.sh"

base=$(scratch plugin)
build_dir=$(dirname "$EVO_BIN")
config=(run "$EVO_SOURCE_DIR/examples/plugin.toml" --set run.generations=8
  --set algorithm.population=60 --set checkpoint.every_generations=3)

evo_run 2 "${config[@]}" --set problem.name=sphere --out "$base/builtin" >"$base/builtin.log" 2>&1 ||
  fail "built-in sphere run failed"
for np in 3 1; do
  if evo_run $np "${config[@]}" --set plugin.library="$build_dir/libsphere_plugin.so" \
    --out "$base/plugin$np" >"$base/plugin$np.log" 2>&1; then
    same_results "$base/builtin" "$base/plugin$np" "plugin with $np ranks vs built-in sphere with 2" &&
      pass "sphere plugin with $np ranks = built-in sphere with 2 ranks, bit for bit"
  else
    fail "plugin run with $np ranks failed"
    tail -n 10 "$base/plugin$np.log" >&2
  fi
done

# The C++ route: examples/find_package/custom_problem.cpp registers "my_sphere" and calls evocluster::run.
if mpirun --oversubscribe -np 3 "$build_dir/custom_problem" "${config[@]}" --set problem.name=my_sphere \
  --set genome.lower=-5.12 --set genome.upper=5.12 --out "$base/registered" >"$base/registered.log" 2>&1; then
  same_results "$base/builtin" "$base/registered" "registered C++ problem vs built-in sphere" &&
    pass "registered C++ problem (examples/custom_problem) with 3 ranks = built-in sphere, bit for bit"
else
  fail "custom_problem run failed"
  tail -n 10 "$base/registered.log" >&2
fi

# expect_exit_2 WHAT LIBRARY EXPECTED_TEXT
expect_exit_2() {
  local rc=0
  timeout 60 mpirun --oversubscribe -np 3 "$EVO_BIN" "${config[@]}" --set plugin.library="$2" \
    --out "$base/bad" >"$base/bad.log" 2>&1 || rc=$?
  if [[ $rc == 2 ]] && grep -qF -- "$3" "$base/bad.log" && grep -qF "plugin.library" "$base/bad.log"; then
    pass "$1: exit 2, names plugin.library and '$3'"
  else
    fail "$1: exit $rc, expected 2 and a message with '$3'"
    cat "$base/bad.log" >&2
  fi
}
expect_exit_2 "missing library" "$base/libnope.so" "cannot load"
expect_exit_2 "missing symbol" "$build_dir/tests/plugins/libtest_plugin_no_evaluate.so" \
  "does not export evocluster_plugin_evaluate"
expect_exit_2 "ABI mismatch" "$build_dir/tests/plugins/libtest_plugin_bad_abi.so" "ABI version 999"
compgen -G "$base/bad/checkpoints/*.h5" >/dev/null && fail "a failed plugin load wrote checkpoints"

# A library that loads on one node but not on another: a relative plugin.library, with
# ranks 0-1 started in a directory that holds it and rank 2 in one that does not (mpirun
# -wdir per app context). Every rank ends with exit 2 before anything is written, and the
# message names the rank that could not load it.
mkdir -p "$base/node_a" "$base/node_b"
cp "$build_dir/libsphere_plugin.so" "$base/node_a/"
rc=0
timeout 60 mpirun --oversubscribe \
  -np 2 -wdir "$base/node_a" "$EVO_BIN" "${config[@]}" --set plugin.library=./libsphere_plugin.so \
  --out "$base/split" : \
  -np 1 -wdir "$base/node_b" "$EVO_BIN" "${config[@]}" --set plugin.library=./libsphere_plugin.so \
  --out "$base/split" >"$base/split.log" 2>&1 || rc=$?
if [[ $rc == 2 ]] && grep -qF "worker rank 2:" "$base/split.log" &&
  grep -qF "plugin.library: cannot load './libsphere_plugin.so'" "$base/split.log" &&
  ! grep -qF "worker rank 1" "$base/split.log"; then
  pass "plugin missing on one worker's node only: exit 2, names worker rank 2 and plugin.library"
else
  fail "plugin missing on one worker's node: exit $rc, expected 2 naming worker rank 2"
  cat "$base/split.log" >&2
fi
compgen -G "$base/split/checkpoints/*.h5" >/dev/null &&
  fail "a plugin missing on one node wrote checkpoints"
finish
