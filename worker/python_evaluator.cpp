// The embedded-CPython evaluator (contract in the header). Python.h comes first, as the
// Python docs require: it sets feature macros the standard headers read.
// clang-format off
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>
// clang-format on

#include "worker/python_evaluator.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "common/rng.hpp"

namespace evo::worker {
namespace {

// Lines of the traceback kept in a failure's detail: enough for the raising line and the
// exception, short enough for the logbook's failure report.
constexpr int kTracebackLines = 3;

// Helpers that are simpler in Python than through the C API.
constexpr const char* kHelperSource = R"(
import inspect, traceback

def takes_seed(function):
    try:
        inspect.signature(function).bind(None, None)
        return True
    except TypeError:
        return False
    except ValueError:  # no signature to inspect (a builtin): give it the seed
        return True

def describe(kind, value, tb, lines):
    text = ''.join(traceback.format_exception(kind, value, tb)).rstrip().splitlines()
    return ' | '.join(line.strip() for line in text[-lines:])
)";

// An owned reference (nullptr allowed).
class Ref {
 public:
  Ref() = default;
  explicit Ref(PyObject* object) : object_(object) {}
  Ref(Ref&& other) noexcept : object_(std::exchange(other.object_, nullptr)) {}
  Ref& operator=(Ref&& other) noexcept {
    std::swap(object_, other.object_);
    return *this;
  }
  Ref(const Ref&) = delete;
  Ref& operator=(const Ref&) = delete;
  ~Ref() { Py_XDECREF(object_); }
  PyObject* get() const { return object_; }
  explicit operator bool() const { return object_ != nullptr; }

 private:
  PyObject* object_ = nullptr;
};

// The interpreter, numpy's C API and the helper module, once per process. Python's own
// signal handlers stay off: SIGINT/SIGTERM/SIGUSR1 belong to evocluster (common/signals).
PyObject* helper_module() {
  static PyObject* helpers = [] {
    if (!Py_IsInitialized()) {
      PyConfig config;
      PyConfig_InitPythonConfig(&config);
      config.install_signal_handlers = 0;
      config.parse_argv = 0;
      const PyStatus status = Py_InitializeFromConfig(&config);
      PyConfig_Clear(&config);
      if (PyStatus_Exception(status)) {
        throw common::ConfigError(fmt::format("python: cannot start the interpreter: {}",
                                              status.err_msg ? status.err_msg : "unknown"));
      }
    }
    if (_import_array() < 0) {
      PyErr_Clear();
      throw common::ConfigError(
          "python: cannot import numpy's C API (install python3-numpy for /usr/bin/python3)");
    }
    Ref code(Py_CompileString(kHelperSource, "<evocluster>", Py_file_input));
    PyObject* module = code ? PyImport_ExecCodeModule("_evocluster_embed", code.get()) : nullptr;
    if (module == nullptr) {
      PyErr_Clear();
      throw common::Error("python: cannot set up evocluster's helper module");
    }
    return module;
  }();
  return helpers;
}

// The pending exception as "Kind: message" plus the traceback's last lines; clears it.
std::string take_exception() {
  PyObject* kind = nullptr;
  PyObject* value = nullptr;
  PyObject* traceback = nullptr;
  PyErr_Fetch(&kind, &value, &traceback);
  PyErr_NormalizeException(&kind, &value, &traceback);
  Ref owned_kind(kind);
  Ref owned_value(value);
  Ref owned_traceback(traceback);
  if (kind == nullptr) return "unknown Python error";
  Ref text(PyObject_CallMethod(helper_module(), "describe", "OOOi", kind,
                               value != nullptr ? value : Py_None,
                               traceback != nullptr ? traceback : Py_None, kTracebackLines));
  const char* utf8 = text ? PyUnicode_AsUTF8(text.get()) : nullptr;
  if (utf8 == nullptr) {
    PyErr_Clear();
    return "Python error (its traceback could not be formatted)";
  }
  return utf8;
}

// A read-only array over `data` (shape `dims`), valid while `data` is.
Ref view(const void* data, std::span<npy_intp> dims, int type) {
  return Ref(PyArray_New(&PyArray_Type, static_cast<int>(dims.size()), dims.data(), type, nullptr,
                         const_cast<void*>(data), 0, NPY_ARRAY_CARRAY_RO, nullptr));
}

class PythonEvaluator : public common::Evaluator {
 public:
  explicit PythonEvaluator(const common::Config& config)
      : module_name_(config.python.module),
        function_name_(config.python.function),
        batch_(config.python.batch),
        objectives_(config.python.objectives) {
    PyObject* helpers = helper_module();
    add_to_sys_path(config);
    module_ = Ref(PyImport_ImportModule(module_name_.c_str()));
    if (!module_) {
      throw common::ConfigError(fmt::format("{}: python.module: cannot import '{}': {}",
                                            config.source, module_name_, take_exception()));
    }
    function_ = attribute(config, "function", function_name_);
    Ref takes_seed(PyObject_CallMethod(helpers, "takes_seed", "O", function_.get()));
    pass_seed_ = takes_seed && PyObject_IsTrue(takes_seed.get()) == 1;
    PyErr_Clear();
    if (!config.python.init.empty()) {
      const Ref init = attribute(config, "init", config.python.init);
      Ref answer(PyObject_CallFunction(init.get(), "s", config.python.config.c_str()));
      if (!answer) {
        throw common::ConfigError(fmt::format("{}: python.init: {}.{}(python.config) failed: {}",
                                              config.source, module_name_, config.python.init,
                                              take_exception()));
      }
    }
  }

  ~PythonEvaluator() override {
    // The interpreter outlives the evaluator and is never finalised: flush what the module
    // printed, or it is lost at exit.
    for (const char* stream : {"stdout", "stderr"}) {
      if (PyObject* file = PySys_GetObject(stream)) {
        Ref flushed(PyObject_CallMethod(file, "flush", nullptr));
      }
    }
    PyErr_Clear();
  }
  PythonEvaluator(const PythonEvaluator&) = delete;
  PythonEvaluator& operator=(const PythonEvaluator&) = delete;

  int objectives() const override { return objectives_; }

  common::EvalOutcome evaluate(std::span<const double> genome, const common::EvalContext& context,
                               std::span<double> fitness) override {
    npy_intp dims[] = {static_cast<npy_intp>(genome.size())};
    if (batch_) {
      // A single genome (the master evaluating itself with -np 1, or a retry): a batch of one.
      std::optional<common::EvalOutcome> outcome =
          call_batch(genome, genome.size(), context, fitness);
      return *outcome;
    }
    Ref array = view(genome.data(), dims, NPY_FLOAT64);
    Ref result;
    if (pass_seed_) {
      Ref seed(PyLong_FromUnsignedLongLong(seed_of(context)));
      result = Ref(PyObject_CallFunctionObjArgs(function_.get(), array.get(), seed.get(), nullptr));
    } else {
      result = Ref(PyObject_CallOneArg(function_.get(), array.get()));
    }
    if (!result) return failed();
    return store_one(result.get(), fitness);
  }

  std::optional<common::EvalOutcome> evaluate_run(std::span<const double> genes,
                                                  std::size_t dimension,
                                                  const common::EvalContext& first,
                                                  std::span<double> fitness) override {
    if (!batch_) return std::nullopt;
    return call_batch(genes, dimension, first, fitness);
  }

 private:
  void add_to_sys_path(const common::Config& config) {
    PyObject* sys_path = PySys_GetObject("path");  // borrowed
    // Inserted from the last so that the first entry ends up first.
    for (auto entry = config.python.path.rbegin(); entry != config.python.path.rend(); ++entry) {
      Ref text(PyUnicode_FromString(entry->c_str()));
      if (sys_path == nullptr || !text || PyList_Insert(sys_path, 0, text.get()) != 0) {
        throw common::ConfigError(fmt::format("{}: python.path: cannot add '{}' to sys.path: {}",
                                              config.source, *entry, take_exception()));
      }
    }
  }

  Ref attribute(const common::Config& config, std::string_view key, const std::string& name) {
    Ref object(PyObject_GetAttrString(module_.get(), name.c_str()));
    if (!object) {
      PyErr_Clear();
      throw common::ConfigError(fmt::format("{}: python.{}: module '{}' has no attribute '{}'",
                                            config.source, key, module_name_, name));
    }
    if (PyCallable_Check(object.get()) == 0) {
      throw common::ConfigError(fmt::format("{}: python.{}: '{}.{}' is not callable", config.source,
                                            key, module_name_, name));
    }
    return object;
  }

  static std::uint64_t seed_of(const common::EvalContext& context) {
    return common::Rng::for_evaluation(context.seed, context.job, context.generation, context.index)
        .next_u64();
  }

  common::EvalOutcome failed() const {
    return {common::EvalStatus::kFailed,
            fmt::format("{}.{} raised {}", module_name_, function_name_, take_exception())};
  }

  common::EvalOutcome garbage(std::string_view what) const {
    PyErr_Clear();
    return {common::EvalStatus::kGarbage,
            fmt::format("{}.{} returned {}, expected {}", module_name_, function_name_, what,
                        expected())};
  }

  std::string expected() const {
    if (batch_) {
      return objectives_ == 1 ? "an array of shape (n,) or (n, 1) of numbers"
                              : fmt::format("an array of shape (n, {}) of numbers", objectives_);
    }
    return objectives_ == 1 ? "a number or a sequence of 1 number"
                            : fmt::format("a sequence of {} numbers", objectives_);
  }

  static std::string type_name(PyObject* object) { return Py_TYPE(object)->tp_name; }

  // One genome's result: a number, or a sequence (tuple, list, array) of numbers.
  common::EvalOutcome store_one(PyObject* result, std::span<double> fitness) const {
    if (PyFloat_Check(result) || PyLong_Check(result)) {
      if (fitness.size() != 1) return garbage(fmt::format("a single {}", type_name(result)));
      fitness[0] = PyFloat_AsDouble(result);
      if (PyErr_Occurred() != nullptr) return garbage("a number that does not fit a double");
      return {};
    }
    if (PyUnicode_Check(result) || PyBytes_Check(result)) {
      return garbage(fmt::format("a {}", type_name(result)));
    }
    Ref array(PyArray_FROMANY(result, NPY_FLOAT64, 0, 1, NPY_ARRAY_CARRAY));
    if (!array) return garbage(fmt::format("a {} that is not numbers", type_name(result)));
    auto* values = reinterpret_cast<PyArrayObject*>(array.get());
    if (static_cast<std::size_t>(PyArray_SIZE(values)) != fitness.size()) {
      return garbage(fmt::format("a {} of {} values", type_name(result), PyArray_SIZE(values)));
    }
    std::memcpy(fitness.data(), PyArray_DATA(values), fitness.size_bytes());
    return {};
  }

  common::EvalOutcome call_batch(std::span<const double> genes, std::size_t dimension,
                                 const common::EvalContext& first, std::span<double> fitness) {
    const std::size_t count = fitness.size() / static_cast<std::size_t>(objectives_);
    seeds_.resize(count);
    for (std::size_t i = 0; i < count; ++i) {
      seeds_[i] = seed_of({first.seed, first.job, first.generation, first.index + i});
    }
    npy_intp genome_dims[] = {static_cast<npy_intp>(count), static_cast<npy_intp>(dimension)};
    npy_intp seed_dims[] = {static_cast<npy_intp>(count)};
    Ref genomes = view(genes.data(), genome_dims, NPY_FLOAT64);
    Ref seeds = view(seeds_.data(), seed_dims, NPY_UINT64);
    Ref result(PyObject_CallFunctionObjArgs(function_.get(), genomes.get(), seeds.get(), nullptr));
    if (!result) return failed();
    if (PyUnicode_Check(result.get()) || PyBytes_Check(result.get())) {
      return garbage(fmt::format("a {}", type_name(result.get())));
    }
    Ref array(PyArray_FROMANY(result.get(), NPY_FLOAT64, 0, 0, NPY_ARRAY_CARRAY));
    if (!array) return garbage(fmt::format("a {} that is not numbers", type_name(result.get())));
    auto* values = reinterpret_cast<PyArrayObject*>(array.get());
    const int rank = PyArray_NDIM(values);
    const npy_intp* shape = PyArray_DIMS(values);
    const auto n = static_cast<npy_intp>(count);
    const bool fits = (rank == 2 && shape[0] == n && shape[1] == objectives_) ||
                      (rank == 1 && objectives_ == 1 && shape[0] == n);
    if (!fits) {
      std::vector<npy_intp> dims(shape, shape + rank);
      return garbage(
          fmt::format("an array of shape ({}) for {} genomes", fmt::join(dims, ", "), count));
    }
    std::memcpy(fitness.data(), PyArray_DATA(values), fitness.size_bytes());
    return {};
  }

  std::string module_name_;
  std::string function_name_;
  bool batch_;
  int objectives_;
  bool pass_seed_ = false;
  Ref module_;
  Ref function_;
  std::vector<std::uint64_t> seeds_;  // reused from batch to batch
};

}  // namespace

std::unique_ptr<common::Evaluator> make_python_evaluator(const common::Config& config) {
  return std::make_unique<PythonEvaluator>(config);
}

}  // namespace evo::worker
