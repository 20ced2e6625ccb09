// Reading, validating and writing the run configuration.
//
// The TOML file is parsed with toml++; `--set section.key=value` overrides are laid over
// it (an override replaces the file's value of that key), and then every key, whichever
// side it came from, goes through the same checks. All problems are collected and reported
// together, one line each, every line naming where the value came from (the file or the
// `--set` argument), the key and the value. Nothing is evolved before the whole
// configuration is known to be valid.
//
// to_toml() writes the canonical text: every key, fixed order, doubles in the shortest
// form that reads back exactly. result_hash() hashes the same text minus the keys that
// may change on resume, so it depends on nothing but the values of those keys.
#include "common/config.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <system_error>
#include <utility>

#include "common/algorithm_catalog.hpp"
#include "common/error.hpp"
#include "common/problem_catalog.hpp"
#include "common/problem_registry.hpp"

namespace evo::common {
namespace {

struct KeyName {
  std::string_view section;
  std::string_view key;
};

constexpr std::array<std::string_view, 9> kSections = {"run",       "problem",    "command",
                                                       "plugin",    "python",     "genome",
                                                       "algorithm", "checkpoint", "dispatch"};

// Every key, in canonical order. The reader refuses to read a key missing from this list,
// so the list, the reader and the unknown-key check cannot drift apart.
constexpr std::array kKeys = {
    KeyName{"run", "seed"},
    KeyName{"run", "generations"},
    KeyName{"run", "target_fitness"},
    KeyName{"run", "max_evaluations"},
    KeyName{"run", "stagnation_generations"},
    KeyName{"run", "stagnation_tolerance"},
    KeyName{"run", "jobs"},
    KeyName{"run", "output"},
    KeyName{"run", "hall_of_fame"},
    KeyName{"run", "walltime"},
    KeyName{"run", "walltime_margin"},
    KeyName{"run", "max_restarts"},
    KeyName{"run", "log_level"},
    KeyName{"run", "progress_seconds"},
    KeyName{"problem", "name"},
    KeyName{"problem", "dimension"},
    KeyName{"problem", "delay_ms"},
    KeyName{"problem", "noise_sigma"},
    KeyName{"problem", "objectives"},
    KeyName{"problem", "instance_seed"},
    KeyName{"problem", "delay_distribution"},
    KeyName{"command", "argv"},
    KeyName{"command", "input"},
    KeyName{"command", "template"},
    KeyName{"command", "template_target"},
    KeyName{"command", "objectives"},
    KeyName{"command", "timeout_s"},
    KeyName{"command", "kill_grace_s"},
    KeyName{"command", "scratch_dir"},
    KeyName{"command", "keep_failed_scratch"},
    KeyName{"plugin", "library"},
    KeyName{"plugin", "objectives"},
    KeyName{"plugin", "config"},
    KeyName{"python", "module"},
    KeyName{"python", "function"},
    KeyName{"python", "path"},
    KeyName{"python", "batch"},
    KeyName{"python", "objectives"},
    KeyName{"python", "init"},
    KeyName{"python", "config"},
    KeyName{"genome", "type"},
    KeyName{"genome", "lower"},
    KeyName{"genome", "upper"},
    KeyName{"algorithm", "name"},
    KeyName{"algorithm", "population"},
    KeyName{"algorithm", "crossover_prob"},
    KeyName{"algorithm", "mutation_prob"},
    KeyName{"algorithm", "tournament_size"},
    KeyName{"algorithm", "elitism"},
    KeyName{"algorithm", "crossover"},
    KeyName{"algorithm", "crossover_eta"},
    KeyName{"algorithm", "blend_alpha"},
    KeyName{"algorithm", "mutation"},
    KeyName{"algorithm", "mutation_eta"},
    KeyName{"algorithm", "mutation_sigma"},
    KeyName{"algorithm", "mutation_indpb"},
    KeyName{"algorithm", "mu"},
    KeyName{"algorithm", "lambda"},
    KeyName{"algorithm", "cmaes_sigma0"},
    KeyName{"algorithm", "cmaes_restarts"},
    KeyName{"algorithm", "de_variant"},
    KeyName{"algorithm", "de_f"},
    KeyName{"algorithm", "de_cr"},
    KeyName{"algorithm", "hv_reference"},
    KeyName{"algorithm", "selection"},
    KeyName{"algorithm", "crossover_indpb"},
    KeyName{"algorithm", "creep_step"},
    KeyName{"algorithm", "replacement"},
    KeyName{"algorithm", "survivor_selection"},
    KeyName{"checkpoint", "every_generations"},
    KeyName{"checkpoint", "every_seconds"},
    KeyName{"checkpoint", "keep"},
    KeyName{"dispatch", "batch"},
    KeyName{"dispatch", "in_flight"},
    KeyName{"dispatch", "retries"},
    KeyName{"dispatch", "retry_on"},
    KeyName{"dispatch", "failure_fitness"},
    KeyName{"dispatch", "max_failure_share"},
};

// mu_plus_lambda / mu_comma_lambda defaults when neither probability is given.
constexpr double kMuLambdaCrossoverProb = 0.6;
constexpr double kMuLambdaMutationProb = 0.3;
constexpr std::string_view kCommandProblem = "command";
constexpr std::string_view kPluginProblem = "plugin";
constexpr std::string_view kPythonProblem = "python";

constexpr std::array<std::string_view, 4> kGenomeTypes = {"real", "binary", "integer",
                                                          "permutation"};
constexpr std::array<std::string_view, 7> kCrossovers = {
    "sbx", "blend", "one_point", "two_point", "uniform", "ordered", "pmx"};
constexpr std::array<std::string_view, 8> kMutations = {"polynomial",  "gaussian",       "flip_bit",
                                                        "uniform_int", "creep",          "swap",
                                                        "inversion",   "shuffle_indexes"};
constexpr std::array<std::string_view, 5> kSelections = {"tournament", "roulette", "sus", "best",
                                                         "random"};

// Which operators fit which genome type. The lists are comma-separated; the first entry is
// the default when the key is not given.
struct GenomeKind {
  std::string_view type;
  std::string_view genes;  // what its genes are, for messages
  std::string_view crossovers;
  std::string_view mutations;
};
constexpr std::array kGenomeKinds = {
    GenomeKind{"real", "real numbers in [lower, upper]",
               "sbx, blend, one_point, two_point, uniform", "polynomial, gaussian"},
    GenomeKind{"binary", "bits, 0 or 1", "two_point, one_point, uniform", "flip_bit"},
    GenomeKind{"integer", "whole numbers in [lower, upper]", "two_point, one_point, uniform",
               "uniform_int, creep"},
    GenomeKind{"permutation", "an ordering of 0 .. n-1, each exactly once", "ordered, pmx",
               "shuffle_indexes, swap, inversion"},
};

// What an operator does to genes: the reason it does not fit some genome types.
std::string_view operator_effect(std::string_view name) {
  if (name == "sbx" || name == "blend") {
    return "it creates new real numbers between and around the parents' genes";
  }
  if (name == "one_point" || name == "two_point" || name == "uniform") {
    return "it exchanges genes position by position, so a child of two permutations can hold "
           "one element twice and miss another";
  }
  if (name == "ordered" || name == "pmx") {
    return "it rearranges orderings of 0 .. n-1 and needs every parent to be one";
  }
  if (name == "polynomial" || name == "gaussian") return "it adds real-valued perturbations";
  if (name == "flip_bit") return "it turns 0 into 1 and 1 into 0";
  if (name == "uniform_int" || name == "creep") return "it draws whole numbers in [lower, upper]";
  return "it only reorders genes and never changes a value";  // swap, inversion, shuffle_indexes
}

const GenomeKind* find_genome_kind(std::string_view type) {
  for (const GenomeKind& kind : kGenomeKinds) {
    if (kind.type == type) return &kind;
  }
  return nullptr;
}

bool listed(std::string_view list, std::string_view value) {
  while (!list.empty()) {
    const auto comma = list.find(", ");
    if (list.substr(0, comma) == value) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 2);
  }
  return false;
}

std::string_view first_listed(std::string_view list) { return list.substr(0, list.find(", ")); }

// The genome types a built-in problem accepts: its own, and integer for real problems
// (an integer genome is a set of points of the same domain).
bool accepts_genome(const ProblemInfo& problem, std::string_view type) {
  return type == problem.genome_type || (problem.genome_type == "real" && type == "integer");
}

bool is_section(std::string_view name) {
  return std::find(kSections.begin(), kSections.end(), name) != kSections.end();
}

bool is_key(std::string_view section, std::string_view key) {
  return std::any_of(kKeys.begin(), kKeys.end(),
                     [&](const KeyName& k) { return k.section == section && k.key == key; });
}

bool same_letter(char a, char b) {
  return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
}

// Optimal string alignment distance (Levenshtein plus adjacent transpositions), ignoring
// case: 'Sphere' and 'NSGA2' are typos of 'sphere' and 'nsga2', not strangers to them.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1, 0));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = same_letter(a[i - 1], b[j - 1]) ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && same_letter(a[i - 1], b[j - 2]) && same_letter(a[i - 2], b[j - 1])) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

// The candidate closest to `word`, if it is close enough to be a plausible typo.
template <typename Range>
std::optional<std::string_view> closest(std::string_view word, const Range& candidates) {
  const std::size_t limit = std::max<std::size_t>(1, word.size() / 3);
  std::optional<std::string_view> best;
  std::size_t best_distance = limit + 1;
  for (std::string_view candidate : candidates) {
    const std::size_t distance = edit_distance(word, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::vector<std::string_view> keys_of(std::string_view section) {
  std::vector<std::string_view> keys;
  for (const KeyName& k : kKeys) {
    if (k.section == section) keys.push_back(k.key);
  }
  return keys;
}

// " (did you mean 'algorithm.population'?)" or "" for the unknown key `section.key`.
std::string suggest_key(std::string_view section, std::string_view key) {
  std::optional<std::string> suggestion;
  if (is_section(section)) {
    if (auto best = closest(key, keys_of(section))) {
      suggestion = fmt::format("{}.{}", section, *best);
    }
  } else if (auto best_section = closest(section, kSections)) {
    if (is_key(*best_section, key)) {
      suggestion = fmt::format("{}.{}", *best_section, key);
    } else if (auto best = closest(key, keys_of(*best_section))) {
      suggestion = fmt::format("{}.{}", *best_section, *best);
    }
  }
  if (!suggestion) {
    // The right key in the wrong section (or at the top level).
    for (const KeyName& k : kKeys) {
      if (k.key == key) {
        suggestion = fmt::format("{}.{}", k.section, k.key);
        break;
      }
    }
  }
  return suggestion ? fmt::format(" (did you mean '{}'?)", *suggestion) : std::string();
}

// std::to_chars gives the shortest text that reads back to the same double, and its
// output is fixed by the C++ standard, so the canonical text (and with it result_hash)
// does not depend on the fmt version or the platform. TOML needs a '.' or an exponent to
// read a float, hence "1.0" rather than "1".
std::string format_double(double value) {
  std::array<char, 64> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  std::string text(buffer.data(), result.ptr);
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";  // 'n': nan, inf
  return text;
}

// A TOML basic string: quoted, with '"', '\' and control characters escaped.
std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == '\x7f') {
          out += fmt::format("\\u{:04X}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

// "string \"abc\"", "float 1.5", "integer 3", ... for "got ..." in messages.
std::string describe(const toml::node& node) {
  std::ostringstream text;
  switch (node.type()) {
    case toml::node_type::string:
      return "string " + quote(node.as_string()->get());
    case toml::node_type::integer:
      return fmt::format("integer {}", node.as_integer()->get());
    case toml::node_type::floating_point:
      return "float " + format_double(node.as_floating_point()->get());
    case toml::node_type::boolean:
      return node.as_boolean()->get() ? "boolean true" : "boolean false";
    case toml::node_type::array:
      text << "array " << *node.as_array();
      return text.str();
    case toml::node_type::table:
      return "a table";
    case toml::node_type::date:
      text << "date " << *node.as_date();
      return text.str();
    case toml::node_type::time:
      text << "time " << *node.as_time();
      return text.str();
    case toml::node_type::date_time:
      text << "date-time " << *node.as_date_time();
      return text.str();
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

// One `--set section.key=value`, its value parsed as TOML (or taken as a string).
struct Override {
  std::string label;  // "--set algorithm.population=0", the source in messages
  std::string section;
  std::string key;
  toml::table holder;  // holds the value under "v"
  const toml::node& value() const { return *holder.get("v"); }
};

std::optional<Override> parse_override(const std::string& text, std::vector<std::string>& errors) {
  Override result;
  result.label = "--set " + text;
  const auto equals = text.find('=');
  const std::string_view name = trim(std::string_view(text).substr(0, equals));
  const auto dot = name.find('.');
  if (equals == std::string::npos || dot == std::string_view::npos || dot == 0 ||
      dot + 1 == name.size()) {
    errors.push_back(
        fmt::format("{}: malformed override, expected section.key=value "
                    "(e.g. --set algorithm.population=100)",
                    result.label));
    return std::nullopt;
  }
  result.section = std::string(name.substr(0, dot));
  result.key = std::string(name.substr(dot + 1));
  const std::string_view value = trim(std::string_view(text).substr(equals + 1));
  try {
    toml::table parsed = toml::parse("v = " + std::string(value), result.label);
    // Anything that is not exactly one value (e.g. "1\nother = 2") is taken as text.
    if (parsed.size() == 1 && parsed.contains("v")) {
      result.holder = std::move(parsed);
      return result;
    }
  } catch (const toml::parse_error&) {
    // Not a TOML value: a bare word such as `sphere` is meant as a string.
  }
  result.holder.insert_or_assign("v", std::string(value));
  return result;
}

// Finds each key in the overrides or the file, checks type and range, and collects every
// problem as one line "SOURCE: message".
class Reader {
 public:
  Reader(const toml::table& root, std::string file_label, std::vector<Override> overrides)
      : root_(root), file_label_(std::move(file_label)), overrides_(std::move(overrides)) {
    for (const Override& o : overrides_) by_key_[o.section + "." + o.key] = &o;  // last wins
  }

  std::vector<std::string>& errors() { return errors_; }

  void check_structure() {
    for (auto&& [name, node] : root_) {
      const std::string_view section = name.str();
      if (is_section(section)) {
        if (!node.is_table()) {
          add(file_label_, fmt::format("'{}' must be a section ([{}]), got {}", section, section,
                                       describe(node)));
          continue;
        }
        for (auto&& [key_name, value] : *node.as_table()) {
          const std::string_view key = key_name.str();
          if (!is_key(section, key)) {
            add(file_label_,
                fmt::format("unknown key '{}.{}'{}", section, key, suggest_key(section, key)));
          }
        }
      } else if (node.is_table()) {
        const auto best = closest(section, kSections);
        add(file_label_, fmt::format("unknown section [{}]{}", section,
                                     best ? fmt::format(" (did you mean [{}]?)", *best) : ""));
      } else {
        add(file_label_, fmt::format("unknown key '{}' (keys belong in a section){}", section,
                                     suggest_key("", section)));
      }
    }
    for (const Override& o : overrides_) {
      if (!is_key(o.section, o.key)) {
        add(o.label,
            fmt::format("unknown key '{}.{}'{}", o.section, o.key, suggest_key(o.section, o.key)));
      }
    }
  }

  const toml::node* find(std::string_view section, std::string_view key) const {
    if (!is_key(section, key)) {
      throw std::logic_error(fmt::format("config key {}.{} is missing from kKeys", section, key));
    }
    if (auto it = by_key_.find(fmt::format("{}.{}", section, key)); it != by_key_.end()) {
      return &it->second->value();
    }
    const toml::table* table = root_.get_as<toml::table>(section);
    return table == nullptr ? nullptr : table->get(key);
  }

  bool present(std::string_view section, std::string_view key) const {
    return find(section, key) != nullptr;
  }

  // Where the value of `section.key` comes from: the last override naming it, or the file.
  const std::string& origin(std::string_view section, std::string_view key) const {
    auto it = by_key_.find(fmt::format("{}.{}", section, key));
    return it != by_key_.end() ? it->second->label : file_label_;
  }
  // For a message about two keys: an override of either is the more likely culprit.
  const std::string& origin_of_either(KeyName a, KeyName b) const {
    const std::string& first = origin(a.section, a.key);
    return &first != &file_label_ ? first : origin(b.section, b.key);
  }

  void add(const std::string& source, const std::string& message) {
    errors_.push_back(fmt::format("{}: {}", source, message));
  }
  // "SOURCE: section.key must be ..." (a range) or, `about` = true, "SOURCE: section.key:
  // 'value' is ..." (a statement about the value).
  void fail(std::string_view section, std::string_view key, const std::string& message,
            bool about = false) {
    add(origin(section, key), fmt::format("{}.{}{} {}", section, key, about ? ":" : "", message));
  }

  void wrong_type(std::string_view section, std::string_view key, std::string_view expected,
                  const toml::node& node) {
    std::string hint;
    if (expected == "a string" && &origin(section, key) != &file_label_) {
      hint = fmt::format(" (quote it to pass it as text: --set '{}.{}=\"...\"')", section, key);
    }
    add(origin(section, key),
        fmt::format("{}.{}: expected {}, got {}{}", section, key, expected, describe(node), hint));
  }

  // Leaves `out` unchanged (its default) when the key is absent or wrong; returns whether
  // `out` now holds a valid value. The upper limit is what `Int` (and TOML's int64) holds.
  template <typename Int>
  bool integer(std::string_view section, std::string_view key, Int& out, std::int64_t min) {
    constexpr auto kMax = static_cast<std::int64_t>(std::min<std::uint64_t>(
        std::numeric_limits<Int>::max(), std::numeric_limits<std::int64_t>::max()));
    const toml::node* node = find(section, key);
    if (node == nullptr) return true;
    if (!node->is_integer()) {
      wrong_type(section, key, "an integer", *node);
      return false;
    }
    const std::int64_t value = node->as_integer()->get();
    if (value < min) {
      fail(section, key, fmt::format("must be >= {}, got {}", min, value));
      return false;
    }
    if (value > kMax) {
      fail(section, key, fmt::format("must be between {} and {}, got {}", min, kMax, value));
      return false;
    }
    out = static_cast<Int>(value);
    return true;
  }

  struct Bounds {
    double min = -std::numeric_limits<double>::infinity();
    bool min_inclusive = true;
    double max = std::numeric_limits<double>::infinity();
  };

  // Integers are accepted for floats; NaN and infinities never are.
  bool number(std::string_view section, std::string_view key, double& out, Bounds bounds) {
    const toml::node* node = find(section, key);
    if (node == nullptr) return true;
    double value = 0;
    if (node->is_integer()) {
      value = static_cast<double>(node->as_integer()->get());
    } else if (node->is_floating_point()) {
      value = node->as_floating_point()->get();
    } else {
      wrong_type(section, key, "a number", *node);
      return false;
    }
    if (!std::isfinite(value)) {
      fail(section, key, fmt::format("must be a finite number, got {}", format_double(value)));
      return false;
    }
    const bool above_min = bounds.min_inclusive ? value >= bounds.min : value > bounds.min;
    if (!above_min || value > bounds.max) {
      const std::string got = format_double(value);
      if (std::isfinite(bounds.max)) {
        fail(section, key,
             fmt::format("must be between {} and {}, got {}", bounds.min, bounds.max, got));
      } else {
        fail(section, key,
             fmt::format("must be {} {}, got {}", bounds.min_inclusive ? ">=" : ">", bounds.min,
                         got));
      }
      return false;
    }
    out = value;
    return true;
  }

  bool text(std::string_view section, std::string_view key, std::string& out) {
    const toml::node* node = find(section, key);
    if (node == nullptr) return true;
    if (!node->is_string()) {
      wrong_type(section, key, "a string", *node);
      return false;
    }
    out = node->as_string()->get();
    return true;
  }

  bool boolean(std::string_view section, std::string_view key, bool& out) {
    const toml::node* node = find(section, key);
    if (node == nullptr) return true;
    if (!node->is_boolean()) {
      wrong_type(section, key, "a boolean", *node);
      return false;
    }
    out = node->as_boolean()->get();
    return true;
  }

  bool strings(std::string_view section, std::string_view key, std::vector<std::string>& out) {
    const toml::node* node = find(section, key);
    if (node == nullptr) return true;
    if (!node->is_array()) {
      wrong_type(section, key, "an array of strings", *node);
      return false;
    }
    std::vector<std::string> values;
    const toml::array& array = *node->as_array();
    for (std::size_t i = 0; i < array.size(); ++i) {
      if (!array[i].is_string()) {
        fail(section, key,
             fmt::format("must be an array of strings, element {} is {}", i, describe(array[i])));
        return false;
      }
      values.push_back(array[i].as_string()->get());
    }
    out = std::move(values);
    return true;
  }

  bool numbers(std::string_view section, std::string_view key, std::vector<double>& out) {
    const toml::node* node = find(section, key);
    if (node == nullptr) return true;
    if (!node->is_array()) {
      wrong_type(section, key, "an array of numbers", *node);
      return false;
    }
    std::vector<double> values;
    const toml::array& array = *node->as_array();
    for (std::size_t i = 0; i < array.size(); ++i) {
      const auto value = array[i].value<double>();  // integers are accepted too
      if (!array[i].is_number() || !value || !std::isfinite(*value)) {
        fail(section, key,
             fmt::format("must be an array of finite numbers, element {} is {}", i,
                         describe(array[i])));
        return false;
      }
      values.push_back(*value);
    }
    out = std::move(values);
    return true;
  }

  template <std::size_t N>
  bool choice(std::string_view section, std::string_view key, std::string& out,
              const std::array<std::string_view, N>& allowed) {
    std::string value = out;
    if (!text(section, key, value)) return false;
    if (std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
      const auto best = closest(value, allowed);
      fail(section, key,
           fmt::format("must be one of {}, got '{}'{}", fmt::join(allowed, ", "), value,
                       best ? fmt::format(" (did you mean '{}'?)", *best) : ""));
      return false;
    }
    out = std::move(value);
    return true;
  }

 private:
  const toml::table& root_;
  std::string file_label_;
  std::vector<Override> overrides_;
  std::map<std::string, const Override*, std::less<>> by_key_;
  std::vector<std::string> errors_;
};

void read_run(Reader& in, RunConfig& run) {
  in.integer("run", "seed", run.seed, 0);
  in.integer("run", "generations", run.generations, 0);
  in.integer("run", "jobs", run.jobs, 1);
  if (in.text("run", "output", run.output) && run.output.empty()) {
    in.fail("run", "output", "must not be empty, got \"\"");
  }
  in.integer("run", "hall_of_fame", run.hall_of_fame, 1);
  in.number("run", "walltime", run.walltime, {.min = 0});
  in.number("run", "walltime_margin", run.walltime_margin, {.min = 0});
  in.integer("run", "max_restarts", run.max_restarts, 0);
  in.choice("run", "log_level", run.log_level, kLogLevels);
  in.number("run", "progress_seconds", run.progress_seconds, {.min = 0});
  if (in.present("run", "target_fitness")) {
    double target = 0;
    if (in.number("run", "target_fitness", target, {})) run.target_fitness = target;
  }
  in.integer("run", "max_evaluations", run.max_evaluations, 0);
  in.integer("run", "stagnation_generations", run.stagnation_generations, 0);
  in.number("run", "stagnation_tolerance", run.stagnation_tolerance, {.min = 0});
  if (run.walltime > 0 && run.walltime_margin >= run.walltime) {
    in.fail("run", "walltime_margin",
            fmt::format("must be shorter than run.walltime ({} s), got {} s: the run would stop "
                        "before doing any work",
                        format_double(run.walltime), format_double(run.walltime_margin)));
  }
}

// Returns the problem's catalog entry, or nullptr when the name is not valid.
const ProblemInfo* read_problem(Reader& in, ProblemConfig& problem) {
  const ProblemInfo* info = nullptr;
  if (in.text("problem", "name", problem.name)) {
    info = find_problem(problem.name);
    if (info == nullptr && problem.name != kCommandProblem && problem.name != kPluginProblem &&
        problem.name != kPythonProblem) {
      // Built-in, then registered through the C++ API, then the evaluator kinds.
      std::vector<std::string_view> names;
      for (const ProblemInfo& p : all_problems()) names.push_back(p.name);
      for (const std::string_view name : registered_problem_names()) names.push_back(name);
      names.push_back(kCommandProblem);
      names.push_back(kPluginProblem);
      names.push_back(kPythonProblem);
      const auto best = closest(problem.name, names);
      in.fail(
          "problem", "name",
          fmt::format("unknown problem '{}' (known: {}){}", problem.name, fmt::join(names, ", "),
                      best ? fmt::format("; did you mean '{}'?", *best) : ""),
          /*about=*/true);
    }
  }
  if (info != nullptr && info->fixed_dimension > 0) {
    // The instance fixes the genome length; say so rather than fail in every evaluation.
    const int fixed = info->fixed_dimension;
    int dimension = fixed;
    if (in.integer("problem", "dimension", dimension, 1) && dimension != fixed) {
      in.fail("problem", "dimension",
              fmt::format("must be {} for problem '{}' (its number of cities; it may be left "
                          "out), got {}",
                          fixed, info->name, dimension));
    }
    problem.dimension = fixed;
  } else {
    in.integer("problem", "dimension", problem.dimension, 1);
  }
  in.number("problem", "delay_ms", problem.delay_ms, {.min = 0});
  in.number("problem", "noise_sigma", problem.noise_sigma, {.min = 0});
  in.integer("problem", "objectives", problem.objectives, 0);
  in.integer("problem", "instance_seed", problem.instance_seed, 0);
  in.choice("problem", "delay_distribution", problem.delay_distribution,
            std::array<std::string_view, 2>{"fixed", "exponential"});
  return info;
}

void read_command(Reader& in, CommandConfig& command, bool is_command) {
  if (in.strings("command", "argv", command.argv) && is_command) {
    if (command.argv.empty()) {
      in.fail("command", "argv",
              "is required when problem.name = \"command\": the program and its arguments, "
              "e.g. argv = [\"./simulate\", \"--fast\"]");
    } else if (command.argv[0].empty()) {
      in.fail("command", "argv", "must name a program as its first element, got \"\"");
    }
  }
  in.choice("command", "input", command.input,
            std::array<std::string_view, 3>{"lines", "json", "none"});
  in.text("command", "template", command.template_path);
  std::string target = command.template_target;
  if (in.text("command", "template_target", target)) {
    const std::filesystem::path path(target);
    const bool escapes = std::any_of(
        path.begin(), path.end(), [](const std::filesystem::path& part) { return part == ".."; });
    if (target.empty() || path.is_absolute() || escapes || path.filename().empty()) {
      in.fail("command", "template_target",
              fmt::format("must be a file name relative to the scratch directory (no '..'), "
                          "got {}",
                          quote(target)));
    } else {
      command.template_target = std::move(target);
    }
  }
  in.integer("command", "objectives", command.objectives, 1);
  in.number("command", "timeout_s", command.timeout_s, {.min = 0});
  in.number("command", "kill_grace_s", command.kill_grace_s, {.min = 0});
  in.text("command", "scratch_dir", command.scratch_dir);
  in.boolean("command", "keep_failed_scratch", command.keep_failed_scratch);
}

void read_plugin(Reader& in, PluginConfig& plugin, bool is_plugin) {
  const bool given = in.text("plugin", "library", plugin.library);
  if (is_plugin && (!given || plugin.library.empty())) {
    in.add(in.origin("problem", "name"),
           "plugin.library is required when problem.name = \"plugin\": the path of the shared "
           "library, e.g. library = \"./libmy_problem.so\"");
  }
  in.integer("plugin", "objectives", plugin.objectives, 1);
  in.text("plugin", "config", plugin.config);
}

// A Python identifier (module names may be dotted: package.module).
bool is_python_name(std::string_view name, bool dotted) {
  bool start = true;
  for (char c : name) {
    const bool letter = std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_';
    const bool digit = std::isdigit(static_cast<unsigned char>(c)) != 0;
    if (dotted && c == '.' && !start) {
      start = true;
    } else if (letter || (digit && !start)) {
      start = false;
    } else {
      return false;
    }
  }
  return !start;
}

void read_python(Reader& in, PythonConfig& python, bool is_python) {
  const auto name = [&](std::string_view key, std::string& out, bool dotted, bool required) {
    const bool given = in.text("python", key, out);
    if (given && !out.empty() && !is_python_name(out, dotted)) {
      in.fail("python", key,
              fmt::format("must be a Python {}name, got {}", dotted ? "module " : "", quote(out)));
    } else if (is_python && required && out.empty()) {
      in.add(in.origin("problem", "name"),
             fmt::format("python.{} is required when problem.name = \"python\", e.g. {}", key,
                         dotted ? "module = \"my_fitness\"" : "function = \"evaluate\""));
    }
  };
  name("module", python.module, true, true);
  name("function", python.function, false, true);
  in.strings("python", "path", python.path);
  in.boolean("python", "batch", python.batch);
  in.integer("python", "objectives", python.objectives, 1);
  name("init", python.init, false, false);
  in.text("python", "config", python.config);
}

// Bits and permutations have bounds fixed by what they are; a given value must agree.
void read_fixed_bound(Reader& in, std::string_view key, double fixed, double& out,
                      std::string_view type) {
  double value = fixed;
  if (in.number("genome", key, value, {}) && value != fixed) {
    in.fail("genome", key,
            fmt::format("is fixed at {} for a {} genome (its genes are {}; it may be left out), "
                        "got {}",
                        format_double(fixed), type, find_genome_kind(type)->genes,
                        format_double(value)));
  }
  out = fixed;
}

// Returns the genome's kind when genome.type is valid for the problem, nullptr otherwise
// (the operator checks are then skipped rather than piled on).
const GenomeKind* read_genome(Reader& in, GenomeConfig& genome, const ProblemConfig& problem_config,
                              const ProblemInfo* problem, bool is_command) {
  genome.type = problem != nullptr ? std::string(problem->genome_type) : std::string("real");
  const GenomeKind* kind = nullptr;
  if (in.choice("genome", "type", genome.type, kGenomeTypes)) {
    kind = find_genome_kind(genome.type);
    if (problem != nullptr && !accepts_genome(*problem, genome.type)) {
      const bool real = problem->genome_type == "real";
      in.fail("genome", "type",
              fmt::format("problem '{}' is defined on {} genomes ({}){}, got '{}'", problem->name,
                          problem->genome_type, find_genome_kind(problem->genome_type)->genes,
                          real ? " or integer genomes" : "", genome.type),
              /*about=*/true);
      kind = nullptr;
    }
  }
  if (genome.type == "binary" || genome.type == "permutation") {
    const bool binary = genome.type == "binary";
    read_fixed_bound(in, "lower", 0, genome.lower, genome.type);
    read_fixed_bound(in, "upper", binary ? 1 : problem_config.dimension - 1, genome.upper,
                     genome.type);
    return kind;
  }
  const bool integer = genome.type == "integer";
  // Bounds not given come from the problem's usual domain (rounded inwards to whole numbers
  // for an integer genome).
  const bool lower_given = in.present("genome", "lower");
  const bool upper_given = in.present("genome", "upper");
  if (is_command) {
    // An external program has no usual domain to fall back on.
    const auto require = [&](std::string_view key, bool given) {
      if (!given) {
        in.add(in.origin("problem", "name"),
               fmt::format("genome.{} is required when problem.name = \"{}\" (an external "
                           "evaluator has no default domain)",
                           key, problem_config.name));
      }
    };
    require("lower", lower_given);
    require("upper", upper_given);
  }
  if (problem != nullptr) {
    genome.lower = integer ? std::ceil(problem->lower) : problem->lower;
    genome.upper = integer ? std::floor(problem->upper) : problem->upper;
  }
  bool lower_ok = in.number("genome", "lower", genome.lower, {});
  bool upper_ok = in.number("genome", "upper", genome.upper, {});
  if (integer) {
    const auto whole = [&](std::string_view key, double value, bool given) {
      if (!given || value == std::trunc(value)) return true;
      in.fail("genome", key,
              fmt::format("must be a whole number for an integer genome, got {}",
                          format_double(value)));
      return false;
    };
    lower_ok = lower_ok && whole("lower", genome.lower, lower_given);
    upper_ok = upper_ok && whole("upper", genome.upper, upper_given);
  }
  const bool both_known =
      (lower_given || problem != nullptr) && (upper_given || problem != nullptr);
  if (lower_ok && upper_ok && both_known && !(genome.lower < genome.upper)) {
    const auto side = [&](bool given) {
      return given ? std::string()
                   : fmt::format(" (the default for {})", problem != nullptr ? problem->name : "");
    };
    in.add(in.origin_of_either({"genome", "lower"}, {"genome", "upper"}),
           fmt::format("genome.lower must be < genome.upper, got lower = {}{} and upper = {}{}",
                       format_double(genome.lower), side(lower_given), format_double(genome.upper),
                       side(upper_given)));
  }
  return kind;
}

// An operator key: defaults to the genome kind's first operator; a given value must fit it.
template <std::size_t N>
void read_operator(Reader& in, std::string_view key, std::string& out,
                   const std::array<std::string_view, N>& known, const GenomeKind* kind,
                   std::string_view GenomeKind::*fitting) {
  const bool given = in.present("algorithm", key);
  if (kind != nullptr && !given) out = std::string(first_listed(kind->*fitting));
  if (in.choice("algorithm", key, out, known) && kind != nullptr && given &&
      !listed(kind->*fitting, out)) {
    in.fail("algorithm", key,
            fmt::format("'{}' does not fit {} {} genome (its genes are {}): {}; use one of {}", out,
                        kind->type == "integer" ? "an" : "a", kind->type, kind->genes,
                        operator_effect(out), kind->*fitting),
            /*about=*/true);
  }
}

void read_algorithm(Reader& in, AlgorithmConfig& algorithm, const GenomeKind* genome_kind) {
  std::string name = algorithm.name;
  if (in.text("algorithm", "name", name)) {
    if (find_algorithm(name) != nullptr) {
      algorithm.name = name;
    } else {
      std::vector<std::string_view> names;
      for (const AlgorithmInfo& info : all_algorithms()) names.push_back(info.name);
      const auto best = closest(name, names);
      in.fail("algorithm", "name",
              fmt::format("unknown algorithm '{}' (available: {}){}", name, fmt::join(names, ", "),
                          best ? fmt::format("; did you mean '{}'?", *best) : ""),
              /*about=*/true);
    }
  }
  const bool population_ok = in.integer("algorithm", "population", algorithm.population, 1);
  in.number("algorithm", "crossover_prob", algorithm.crossover_prob, {.min = 0, .max = 1});
  in.number("algorithm", "mutation_prob", algorithm.mutation_prob, {.min = 0, .max = 1});
  in.integer("algorithm", "tournament_size", algorithm.tournament_size, 1);
  const bool elitism_ok = in.integer("algorithm", "elitism", algorithm.elitism, 0);
  if (population_ok && elitism_ok && algorithm.elitism >= algorithm.population) {
    in.add(in.origin_of_either({"algorithm", "elitism"}, {"algorithm", "population"}),
           fmt::format("algorithm.elitism must be < algorithm.population ({}), got {}",
                       algorithm.population, algorithm.elitism));
  }
  read_operator(in, "crossover", algorithm.crossover, kCrossovers, genome_kind,
                &GenomeKind::crossovers);
  in.number("algorithm", "crossover_eta", algorithm.crossover_eta, {.min = 0});
  in.number("algorithm", "blend_alpha", algorithm.blend_alpha, {.min = 0});
  read_operator(in, "mutation", algorithm.mutation, kMutations, genome_kind,
                &GenomeKind::mutations);
  in.number("algorithm", "mutation_eta", algorithm.mutation_eta, {.min = 0});
  in.number("algorithm", "mutation_sigma", algorithm.mutation_sigma,
            {.min = 0, .min_inclusive = false});
  in.number("algorithm", "mutation_indpb", algorithm.mutation_indpb, {.min = 0, .max = 1});
  in.integer("algorithm", "mu", algorithm.mu, 0);
  in.integer("algorithm", "lambda", algorithm.lambda, 0);
  in.number("algorithm", "cmaes_sigma0", algorithm.cmaes_sigma0, {.min = 0});
  in.integer("algorithm", "cmaes_restarts", algorithm.cmaes_restarts, 0);
  in.choice("algorithm", "de_variant", algorithm.de_variant,
            std::array<std::string_view, 2>{"rand/1/bin", "best/1/bin"});
  in.number("algorithm", "de_f", algorithm.de_f, {.min = 0, .min_inclusive = false, .max = 2});
  in.number("algorithm", "de_cr", algorithm.de_cr, {.min = 0, .max = 1});
  in.numbers("algorithm", "hv_reference", algorithm.hv_reference);
  in.choice("algorithm", "selection", algorithm.selection, kSelections);
  in.number("algorithm", "crossover_indpb", algorithm.crossover_indpb, {.min = 0, .max = 1});
  in.integer("algorithm", "creep_step", algorithm.creep_step, 1);
  in.choice("algorithm", "replacement", algorithm.replacement,
            std::array<std::string_view, 2>{"worst", "tournament"});
  in.choice("algorithm", "survivor_selection", algorithm.survivor_selection, kSelections);
}

void read_checkpoint(Reader& in, CheckpointConfig& checkpoint) {
  in.integer("checkpoint", "every_generations", checkpoint.every_generations, 0);
  in.number("checkpoint", "every_seconds", checkpoint.every_seconds, {.min = 0});
  in.integer("checkpoint", "keep", checkpoint.keep, 1);
}

void read_dispatch(Reader& in, DispatchConfig& dispatch) {
  in.integer("dispatch", "batch", dispatch.batch, 0);
  in.integer("dispatch", "in_flight", dispatch.in_flight, 1);
  in.integer("dispatch", "retries", dispatch.retries, 0);
  std::vector<std::string> retry_on = dispatch.retry_on;
  if (in.strings("dispatch", "retry_on", retry_on)) {
    bool valid = true;
    for (const std::string& name : retry_on) {
      if (std::ranges::find(kRetryableClasses, name) == kRetryableClasses.end()) {
        const auto best = closest(name, kRetryableClasses);
        in.fail("dispatch", "retry_on",
                fmt::format("must list failure classes among {}, got '{}'{}",
                            fmt::join(kRetryableClasses, ", "), name,
                            best ? fmt::format(" (did you mean '{}'?)", *best) : ""));
        valid = false;
      }
    }
    if (valid) {
      // Canonical order, each class once: the same policy gives the same result_hash.
      dispatch.retry_on.clear();
      for (const std::string_view name : kRetryableClasses) {
        if (std::ranges::find(retry_on, name) != retry_on.end())
          dispatch.retry_on.emplace_back(name);
      }
    }
  }
  in.number("dispatch", "failure_fitness", dispatch.failure_fitness, {});
  in.number("dispatch", "max_failure_share", dispatch.max_failure_share, {.min = 0, .max = 1});
}

// Checks across sections: the problem's own limits, and whether the algorithm fits the
// genome and the problem. Runs after every section was read.
// Where objective_count(config) comes from, for messages.
std::string objectives_source(const Config& config) {
  if (config.problem.name == kCommandProblem) {
    return fmt::format("command.objectives = {}", config.command.objectives);
  }
  if (config.problem.name == kPluginProblem) {
    return fmt::format("plugin.objectives = {}", config.plugin.objectives);
  }
  if (config.problem.name == kPythonProblem) {
    return fmt::format("python.objectives = {}", config.python.objectives);
  }
  if (config.problem.objectives > 0) {
    return fmt::format("problem.objectives = {}", config.problem.objectives);
  }
  return "the problem's own count";
}

// The stopping rules judge objective 0 (common/stopping_rules.hpp): with several objectives
// a target or a stagnation of one of them is not what a Pareto front converging means.
// steady_state has births in flight at every generation boundary: a rule ending the job
// there would have to drop them or insert them after the final checkpoint.
void check_stopping_rules(Reader& in, const Config& config, int objectives) {
  const RunConfig& run = config.run;
  for (const auto& [key, set] :
       {std::pair{"target_fitness", run.target_fitness.has_value()},
        std::pair{"stagnation_generations", run.stagnation_generations > 0}}) {
    if (set && objectives > 1) {
      in.fail("run", key,
              fmt::format("applies to a single objective, but problem '{}' has {} objectives: "
                          "use run.generations or run.max_evaluations",
                          config.problem.name, objectives));
    }
  }
  if (config.algorithm.name == "steady_state") {
    for (const auto& [key, set] :
         {std::pair{"target_fitness", run.target_fitness.has_value()},
          std::pair{"max_evaluations", run.max_evaluations > 0},
          std::pair{"stagnation_generations", run.stagnation_generations > 0}}) {
      if (set) {
        in.fail("run", key,
                "is not supported with algorithm.name = \"steady_state\" (births are in flight "
                "at every generation boundary): use run.generations");
      }
    }
  }
}

void check_combination(Reader& in, const Config& config) {
  const ProblemConfig& p = config.problem;
  if (p.objectives > 0 && p.name != "dtlz2") {
    in.fail("problem", "objectives",
            fmt::format("must be 0 (the problem's own count) except for dtlz2, the one "
                        "problem with a configurable number of objectives; '{}' has a fixed "
                        "number, got {}",
                        p.name, p.objectives));
  }
  if (p.name == "dtlz2" && p.objectives == 1) {
    in.fail("problem", "objectives", "dtlz2 needs at least 2 objectives, got 1");
  }
  if (p.name == "dtlz2" && p.dimension < objective_count(config)) {
    in.add(in.origin_of_either({"problem", "dimension"}, {"problem", "objectives"}),
           fmt::format("problem.dimension must be >= the number of objectives ({}) for dtlz2, "
                       "got {}",
                       objective_count(config), p.dimension));
  }
  if (p.name.starts_with("zdt") && p.dimension < 2) {
    in.fail("problem", "dimension",
            fmt::format("must be >= 2 for {} (its g function averages x_2..x_n), got {}", p.name,
                        p.dimension));
  }

  const AlgorithmConfig& a = config.algorithm;
  const AlgorithmInfo& algorithm = algorithm_info(a.name);
  const KeyName name_key{"algorithm", "name"};
  if (algorithm.real_genome_only && config.genome.type != "real") {
    in.add(in.origin_of_either(name_key, {"genome", "type"}),
           fmt::format("algorithm.name = '{}' needs genome.type = \"real\": it moves through a "
                       "continuous space by vector arithmetic, got genome.type = '{}'",
                       a.name, config.genome.type));
  }
  // Every problem's count is known here: the catalog's or registry's, command.objectives,
  // plugin.objectives.
  const int objectives = objective_count(config);
  if (!algorithm.multi_objective && objectives > 1) {
    in.add(in.origin_of_either(name_key, {"problem", "name"}),
           fmt::format("algorithm.name = '{}' minimises a single objective, but problem '{}' has "
                       "{} objectives ({}): use algorithm.name = \"nsga2\"",
                       a.name, p.name, objectives, objectives_source(config)));
  }
  if (!a.hv_reference.empty() && static_cast<int>(a.hv_reference.size()) != objectives) {
    in.fail("algorithm", "hv_reference",
            fmt::format("needs one coordinate per objective ({}), got {}", objectives,
                        a.hv_reference.size()));
  }
  check_stopping_rules(in, config, objectives);
  const bool mu_lambda = algorithm.kind == AlgorithmKind::kMuPlusLambda ||
                         algorithm.kind == AlgorithmKind::kMuCommaLambda;
  if (mu_lambda && a.crossover_prob + a.mutation_prob > 1) {
    in.add(in.origin_of_either({"algorithm", "crossover_prob"}, {"algorithm", "mutation_prob"}),
           fmt::format("algorithm.crossover_prob + algorithm.mutation_prob must be <= 1 for {} "
                       "(each child comes from crossover, mutation or reproduction), got {} + {}",
                       a.name, format_double(a.crossover_prob), format_double(a.mutation_prob)));
  }
  const int mu = a.mu > 0 ? a.mu : a.population;
  if (a.name == "mu_comma_lambda" && a.lambda > 0 && a.lambda < mu) {
    in.add(in.origin_of_either({"algorithm", "lambda"}, {"algorithm", "mu"}),
           fmt::format("algorithm.lambda must be >= mu ({}) for mu_comma_lambda (the parents are "
                       "chosen among the children only), got {}",
                       mu, a.lambda));
  }
  if (a.name == "cmaes") {
    if (a.lambda == 1) in.fail("algorithm", "lambda", "must be >= 2 for cmaes, got 1");
    if (a.mu > 0 && a.lambda > 0 && a.mu > a.lambda) {
      in.add(in.origin_of_either({"algorithm", "mu"}, {"algorithm", "lambda"}),
             fmt::format("algorithm.mu must be <= algorithm.lambda for cmaes, got mu = {} and "
                         "lambda = {}",
                         a.mu, a.lambda));
    }
  }
  if (a.name == "de") {
    const int needed = a.de_variant == "rand/1/bin" ? 4 : 3;
    if (a.population < needed) {
      in.fail("algorithm", "population",
              fmt::format("must be >= {} for de {} (each trial vector needs {} other members), "
                          "got {}",
                          needed, a.de_variant, needed - 1, a.population));
    }
  }
  if (a.name == "nsga2" && a.population < 2) {
    in.fail("algorithm", "population",
            fmt::format("must be >= 2 for nsga2 (binary tournaments), got {}", a.population));
  }
}

class TomlWriter {
 public:
  void section(std::string_view name) {
    if (!text_.empty()) text_ += '\n';
    text_ += fmt::format("[{}]\n", name);
  }
  void integer(std::string_view key, std::int64_t value) {
    text_ += fmt::format("{} = {}\n", key, value);
  }
  void integer(std::string_view key, std::uint64_t value) {
    text_ += fmt::format("{} = {}\n", key, value);
  }
  void integer(std::string_view key, int value) { integer(key, std::int64_t{value}); }
  void number(std::string_view key, double value) {
    text_ += fmt::format("{} = {}\n", key, format_double(value));
  }
  void string(std::string_view key, std::string_view value) {
    text_ += fmt::format("{} = {}\n", key, quote(value));
  }
  void strings(std::string_view key, const std::vector<std::string>& values) {
    std::vector<std::string> quoted;
    quoted.reserve(values.size());
    for (const std::string& value : values) quoted.push_back(quote(value));
    text_ += fmt::format("{} = [{}]\n", key, fmt::join(quoted, ", "));
  }
  void numbers(std::string_view key, const std::vector<double>& values) {
    std::vector<std::string> formatted;
    formatted.reserve(values.size());
    for (double value : values) formatted.push_back(format_double(value));
    text_ += fmt::format("{} = [{}]\n", key, fmt::join(formatted, ", "));
  }
  void boolean(std::string_view key, bool value) {
    text_ += fmt::format("{} = {}\n", key, value ? "true" : "false");
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

// The canonical text; `results_only` leaves out the keys that may change on resume.
std::string canonical_text(const Config& config, bool results_only) {
  TomlWriter out;
  const RunConfig& run = config.run;
  out.section("run");
  out.integer("seed", run.seed);
  if (!results_only) {
    out.integer("generations", run.generations);
    // Written only when set: a run without them keeps its config text (and its identity).
    if (run.target_fitness) out.number("target_fitness", *run.target_fitness);
    if (run.max_evaluations > 0) out.integer("max_evaluations", run.max_evaluations);
    if (run.stagnation_generations > 0) {
      out.integer("stagnation_generations", run.stagnation_generations);
    }
    if (run.stagnation_tolerance > 0) out.number("stagnation_tolerance", run.stagnation_tolerance);
  }
  out.integer("jobs", run.jobs);
  if (!results_only) out.string("output", run.output);
  out.integer("hall_of_fame", run.hall_of_fame);
  // Limits of one launch on one machine: they decide when a launch stops, never what it computes.
  if (!results_only) {
    out.number("walltime", run.walltime);
    out.number("walltime_margin", run.walltime_margin);
    out.integer("max_restarts", run.max_restarts);
    // Console output only. Written when not the default, so that the text of every config
    // that leaves them alone, and with it existing checkpoints, is unchanged.
    const RunConfig defaults;
    if (run.log_level != defaults.log_level) out.string("log_level", run.log_level);
    if (run.progress_seconds != defaults.progress_seconds) {
      out.number("progress_seconds", run.progress_seconds);
    }
  }

  const ProblemConfig& problem = config.problem;
  out.section("problem");
  out.string("name", problem.name);
  out.integer("dimension", problem.dimension);
  out.number("delay_ms", problem.delay_ms);
  out.number("noise_sigma", problem.noise_sigma);
  out.integer("objectives", problem.objectives);
  out.integer("instance_seed", problem.instance_seed);
  // How long an evaluation sleeps shapes no result.
  if (!results_only) out.string("delay_distribution", problem.delay_distribution);

  // The program, what it is given and what it returns shape results. Its time limits,
  // where its scratch directories go and whether failed ones are kept do not: a timeout
  // depends on the machine as much as on the config, and may need raising on resume.
  const CommandConfig& command = config.command;
  out.section("command");
  out.strings("argv", command.argv);
  out.string("input", command.input);
  out.string("template", command.template_path);
  out.string("template_target", command.template_target);
  out.integer("objectives", command.objectives);
  if (!results_only) {
    out.number("timeout_s", command.timeout_s);
    out.number("kill_grace_s", command.kill_grace_s);
    out.string("scratch_dir", command.scratch_dir);
    out.boolean("keep_failed_scratch", command.keep_failed_scratch);
  }

  // The library's path, not its content: rebuilding it with other code is on the user.
  const PluginConfig& plugin = config.plugin;
  out.section("plugin");
  out.string("library", plugin.library);
  out.integer("objectives", plugin.objectives);
  out.string("config", plugin.config);

  // Where the module is found may change (another checkout, another node): what it is
  // and how it is called shape results. Written only for a Python problem (or when a
  // python key was given), so that the text and result hash of every other config, and
  // with them existing checkpoints, are unchanged.
  const PythonConfig& python = config.python;
  const bool is_python = config.problem.name == kPythonProblem;
  if (is_python || (!results_only && python != PythonConfig{})) {
    out.section("python");
    out.string("module", python.module);
    out.string("function", python.function);
    if (!results_only) out.strings("path", python.path);
    out.boolean("batch", python.batch);
    out.integer("objectives", python.objectives);
    out.string("init", python.init);
    out.string("config", python.config);
  }

  const GenomeConfig& genome = config.genome;
  out.section("genome");
  out.string("type", genome.type);
  out.number("lower", genome.lower);
  out.number("upper", genome.upper);

  const AlgorithmConfig& algorithm = config.algorithm;
  out.section("algorithm");
  out.string("name", algorithm.name);
  out.integer("population", algorithm.population);
  out.number("crossover_prob", algorithm.crossover_prob);
  out.number("mutation_prob", algorithm.mutation_prob);
  out.integer("tournament_size", algorithm.tournament_size);
  out.integer("elitism", algorithm.elitism);
  out.string("crossover", algorithm.crossover);
  out.number("crossover_eta", algorithm.crossover_eta);
  out.number("blend_alpha", algorithm.blend_alpha);
  out.string("mutation", algorithm.mutation);
  out.number("mutation_eta", algorithm.mutation_eta);
  out.number("mutation_sigma", algorithm.mutation_sigma);
  out.number("mutation_indpb", algorithm.mutation_indpb);
  out.integer("mu", algorithm.mu);
  out.integer("lambda", algorithm.lambda);
  out.number("cmaes_sigma0", algorithm.cmaes_sigma0);
  out.integer("cmaes_restarts", algorithm.cmaes_restarts);
  out.string("de_variant", algorithm.de_variant);
  out.number("de_f", algorithm.de_f);
  out.number("de_cr", algorithm.de_cr);
  out.numbers("hv_reference", algorithm.hv_reference);
  out.string("selection", algorithm.selection);
  out.number("crossover_indpb", algorithm.crossover_indpb);
  out.integer("creep_step", algorithm.creep_step);
  out.string("replacement", algorithm.replacement);
  out.string("survivor_selection", algorithm.survivor_selection);

  if (!results_only) {
    const CheckpointConfig& checkpoint = config.checkpoint;
    out.section("checkpoint");
    out.integer("every_generations", checkpoint.every_generations);
    out.number("every_seconds", checkpoint.every_seconds);
    out.integer("keep", checkpoint.keep);
  }
  // The failure policy shapes results (which fitness a failed individual gets); batching
  // and prefetch do not.
  const DispatchConfig& dispatch = config.dispatch;
  out.section("dispatch");
  if (!results_only) {
    out.integer("batch", dispatch.batch);
    out.integer("in_flight", dispatch.in_flight);
  }
  out.integer("retries", dispatch.retries);
  // Written only when it differs from the default: configs and checkpoints from before the
  // key existed keep their text and result_hash.
  if (dispatch.retry_on != DispatchConfig{}.retry_on) out.strings("retry_on", dispatch.retry_on);
  out.number("failure_fitness", dispatch.failure_fitness);
  out.number("max_failure_share", dispatch.max_failure_share);
  return out.text();
}

// The "key = value" lines of the [algorithm] section of a canonical text, by key.
std::map<std::string, std::string> algorithm_values(const std::string& canonical) {
  std::map<std::string, std::string> values;
  std::istringstream lines(canonical);
  bool in_algorithm = false;
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with('[')) {
      in_algorithm = line == "[algorithm]";
    } else if (const auto equals = line.find(" = "); in_algorithm && equals != std::string::npos) {
      values[line.substr(0, equals)] = line.substr(equals + 3);
    }
  }
  return values;
}

// Keys that some other algorithm reads, given a value other than the default with `chosen`:
// most likely a config written for another algorithm, which deserves a word rather than
// silence. (A resolved config, e.g. a checkpoint's, lists every key at its default.)
std::vector<std::string> keys_without_effect(const Reader& in, const Config& config,
                                             const AlgorithmInfo& chosen) {
  const auto values = algorithm_values(canonical_text(config, false));
  const auto defaults = algorithm_values(canonical_text(Config{}, false));
  std::vector<std::string> warnings;
  std::set<std::string_view> reported;
  for (const AlgorithmInfo& other : all_algorithms()) {
    for (const std::string_view key : other.own_keys) {
      const std::string name(key);
      if (!in.present("algorithm", key) || reported.contains(key) ||
          std::ranges::find(chosen.own_keys, key) != chosen.own_keys.end() ||
          values.at(name) == defaults.at(name)) {
        continue;
      }
      reported.insert(key);
      std::vector<std::string_view> readers;
      for (const AlgorithmInfo& info : all_algorithms()) {
        if (std::ranges::find(info.own_keys, key) != info.own_keys.end()) {
          readers.push_back(info.name);
        }
      }
      warnings.push_back(fmt::format(
          "{}: algorithm.{} has no effect with algorithm.name = \"{}\" (it is read by {} only)",
          in.origin("algorithm", key), key, chosen.name, fmt::join(readers, ", ")));
    }
  }
  // CMA-ES samples lambda points per generation (docs/algorithms.md): a population size
  // written for another algorithm would otherwise be ignored without a word.
  if (chosen.kind == AlgorithmKind::kCmaes && in.present("algorithm", "population") &&
      values.at("population") != defaults.at("population")) {
    warnings.push_back(fmt::format(
        "{}: algorithm.population has no effect with algorithm.name = \"cmaes\": it samples "
        "algorithm.lambda points per generation (0 = 4 + floor(3 ln n)) and recombines the "
        "best algorithm.mu",
        in.origin("algorithm", "population")));
  }
  return warnings;
}

}  // namespace

Config parse_config(std::string_view toml_text, std::string_view source,
                    const std::vector<std::string>& overrides) {
  const std::string source_name(source);
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& error) {
    throw ConfigError(fmt::format("{}: TOML syntax error at line {}, column {}: {}", source_name,
                                  error.source().begin.line, error.source().begin.column,
                                  error.description()));
  }

  std::vector<std::string> errors;
  std::vector<Override> parsed_overrides;
  for (const std::string& text : overrides) {
    if (auto parsed = parse_override(text, errors)) parsed_overrides.push_back(std::move(*parsed));
  }

  Reader in(root, source_name, std::move(parsed_overrides));
  in.errors() = std::move(errors);
  in.check_structure();

  Config config;
  config.source = source_name;
  for (const std::string& text : overrides) config.overrides.push_back("--set " + text);
  read_run(in, config.run);
  const ProblemInfo* problem = read_problem(in, config.problem);
  const bool is_command = config.problem.name == kCommandProblem;
  const bool is_plugin = config.problem.name == kPluginProblem;
  read_command(in, config.command, is_command);
  read_plugin(in, config.plugin, is_plugin);
  const bool is_python = config.problem.name == kPythonProblem;
  read_python(in, config.python, is_python);
  const GenomeKind* genome_kind =
      read_genome(in, config.genome, config.problem, problem, is_command || is_plugin || is_python);
  read_algorithm(in, config.algorithm, genome_kind);
  read_checkpoint(in, config.checkpoint);
  read_dispatch(in, config.dispatch);
  const AlgorithmInfo* algorithm = find_algorithm(config.algorithm.name);
  if (algorithm != nullptr &&
      (algorithm->kind == AlgorithmKind::kMuPlusLambda ||
       algorithm->kind == AlgorithmKind::kMuCommaLambda) &&
      !in.present("algorithm", "crossover_prob") && !in.present("algorithm", "mutation_prob")) {
    // varOr makes each child by one operator, so the two must sum to <= 1; the global
    // defaults (0.9, 0.2) do not, DEAP's examples' values do.
    config.algorithm.crossover_prob = kMuLambdaCrossoverProb;
    config.algorithm.mutation_prob = kMuLambdaMutationProb;
  }
  if (in.errors().empty()) check_combination(in, config);
  if (algorithm != nullptr) config.warnings = keys_without_effect(in, config, *algorithm);
  if (in.present("run", "stagnation_tolerance") && config.run.stagnation_generations == 0) {
    config.warnings.push_back(
        fmt::format("{}: run.stagnation_tolerance has no effect without run.stagnation_"
                    "generations > 0",
                    in.origin("run", "stagnation_tolerance")));
  }

  if (!in.errors().empty()) throw ConfigError(fmt::format("{}", fmt::join(in.errors(), "\n")));
  return config;
}

Config load_config(const std::filesystem::path& path, const std::vector<std::string>& overrides) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (!std::filesystem::exists(status)) {
    throw ConfigError(fmt::format("config file '{}' not found", path.string()));
  }
  if (std::filesystem::is_directory(status)) {
    throw ConfigError(
        fmt::format("config file '{}' cannot be read: it is a directory", path.string()));
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    throw ConfigError(fmt::format("config file '{}' cannot be read: {}", path.string(),
                                  std::generic_category().message(errno)));
  }
  std::string text{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  if (file.bad()) {
    throw ConfigError(fmt::format("config file '{}' cannot be read", path.string()));
  }
  Config config = parse_config(text, path.string(), overrides);
  // python.path is relative to the config file; workers get it resolved (they parse the
  // master's resolved text, with no file to be relative to).
  for (std::string& entry : config.python.path) {
    const std::filesystem::path given(entry);
    if (!given.empty() && given.is_relative()) {
      entry = std::filesystem::absolute(path.parent_path() / given).lexically_normal().string();
    }
  }
  return config;
}

std::string to_toml(const Config& config) { return canonical_text(config, false); }

std::string result_text(const Config& config) { return canonical_text(config, true); }

std::uint64_t result_hash(const Config& config) {
  const std::string text = result_text(config);
  return XXH3_64bits(text.data(), text.size());
}

int objective_count(const Config& config) {
  if (config.problem.name == kCommandProblem) return config.command.objectives;
  if (config.problem.name == kPluginProblem) return config.plugin.objectives;
  if (config.problem.name == kPythonProblem) return config.python.objectives;
  const ProblemInfo* info = find_problem(config.problem.name);
  if (info == nullptr) {
    throw ConfigError(
        fmt::format("{}: problem.name: unknown problem '{}'", config.source, config.problem.name));
  }
  // dtlz2 scales to any number of objectives (problem.objectives).
  if (config.problem.objectives > 0) return config.problem.objectives;
  return info->objectives;
}

}  // namespace evo::common
