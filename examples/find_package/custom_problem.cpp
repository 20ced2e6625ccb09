// The C++ route: a program with its own main that registers a problem class and hands the
// command line to evocluster. "my_sphere" computes exactly what the built-in sphere does,
// so a run with it equals a run with problem.name = "sphere" (tests/e2e/plugin_test.sh):
//
//   mpirun -np 4 build/custom_problem run examples/demo.toml --set problem.name=my_sphere
#include <evocluster/evocluster.hpp>
#include <memory>
#include <span>

namespace {

class MySphere : public evocluster::Problem {
 public:
  void evaluate(std::span<const double> genome, const evocluster::EvalContext& /*context*/,
                std::span<double> objectives) override {
    double sum = 0;
    for (double gene : genome) sum += gene * gene;
    objectives[0] = sum;
  }
};

}  // namespace

int main(int argc, char** argv) {
  // Every rank registers the same problems before run().
  evocluster::register_problem(
      {.name = "my_sphere", .objectives = 1, .lower = -5.12, .upper = 5.12, .create = [] {
         return std::make_unique<MySphere>();
       }});
  return evocluster::run(argc, argv);
}
