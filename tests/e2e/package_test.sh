#!/usr/bin/env bash
# The installed CMake package: `cmake --install` into a scratch prefix, then
# a copy of the installed examples/find_package (a separate project doing find_package(evocluster) and linking
# evocluster::evocluster) configures, builds against that prefix only, and its registered
# problem under mpirun equals the built-in sphere bit for bit.
source "$(dirname "$0")/lib.sh"

base=$(scratch package)
build_dir=$(dirname "$EVO_BIN")
if ! cmake --install "$build_dir" --prefix "$base/prefix" >"$base/install.log" 2>&1; then
  fail "cmake --install failed"
  cat "$base/install.log" >&2
  finish
fi
[[ -f $base/prefix/lib/cmake/evocluster/evoclusterConfig.cmake ]] ||
  fail "no evoclusterConfig.cmake under the prefix"
if grep -rqF "$EVO_SOURCE_DIR" "$base/prefix/lib/cmake/evocluster/"; then
  fail "the installed package refers to the source tree: $(grep -rlF "$EVO_SOURCE_DIR" "$base/prefix/lib/cmake/evocluster/")"
fi

for file in share/evocluster/slurm/sbatch-mpirun.sh share/evocluster/slurm/sbatch-srun.sh \
  share/evocluster/examples/demo.toml share/evocluster/examples/find_package/CMakeLists.txt \
  share/doc/evocluster/README.md share/doc/evocluster/configuration.md; do
  [[ -f $base/prefix/$file ]] || fail "cmake --install left out $file"
done
[[ -x $base/prefix/share/evocluster/slurm/sbatch-mpirun.sh ]] || fail "the installed template is not executable"
# The installed example is a template: copied out of every tree, it builds as it is.
cp -r "$base/prefix/share/evocluster/examples/find_package" "$base/mine"
if cmake -S "$base/mine" -B "$base/consumer" \
  -DCMAKE_PREFIX_PATH="$base/prefix" >"$base/consumer.log" 2>&1 &&
  cmake --build "$base/consumer" >>"$base/consumer.log" 2>&1; then
  pass "a separate project finds the installed package and links evocluster::evocluster"
else
  fail "examples/find_package does not build against the installed package"
  tail -n 30 "$base/consumer.log" >&2
  finish
fi

config=(run "$EVO_SOURCE_DIR/examples/demo.toml" --set problem.name=sphere --set problem.dimension=5
  --set genome.lower=-5.12 --set genome.upper=5.12 --set algorithm.population=40
  --set run.generations=6 --set checkpoint.every_generations=2)
evo_run 2 "${config[@]}" --out "$base/builtin" >"$base/builtin.log" 2>&1 || fail "built-in run failed"
if mpirun --oversubscribe -np 3 "$base/consumer/custom_problem" "${config[@]}" \
  --set problem.name=my_sphere --out "$base/installed" >"$base/installed.log" 2>&1; then
  same_results "$base/builtin" "$base/installed" "program built on the installed package" &&
    pass "program built on the installed package, 3 ranks = built-in sphere, bit for bit"
else
  fail "the program built on the installed package failed"
  tail -n 10 "$base/installed.log" >&2
fi
finish
