// The checkpoint reader: verify the frame on the bytes in memory, hand exactly those bytes
// to HDF5 (core driver, no copy), refuse every object our writer never makes before
// following anything (checkpoint_structure), read the schema into a CheckpointState, and
// judge its content (checkpoint_validator). read_checkpoint and verify_checkpoint share
// every step, so verify answers "would run accept this file" with run's reason.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <hdf5.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/checkpoint.hpp"
#include "common/checkpoint_file.hpp"
#include "common/checkpoint_frame.hpp"
#include "common/checkpoint_hdf5.hpp"
#include "common/checkpoint_schema.hpp"
#include "common/checkpoint_structure.hpp"
#include "common/checkpoint_validator.hpp"
#include "common/isolated_parse.hpp"
#include "common/logbook.hpp"
#include "common/population.hpp"
#include "common/rng.hpp"

namespace evo::common {
namespace {

constexpr std::size_t kUserBlockSize = kCheckpointUserBlockSize;

// Callbacks that let HDF5 open the verified image without copying it: every allocation
// of the image's size is the image itself, a copy onto itself is skipped, nothing is
// resized (the file is opened read-only) and the image is never freed by HDF5. So the
// bytes HDF5 parses are the bytes whose checksum was verified.
struct BorrowedImage {
  unsigned char* data;
  std::size_t size;

  H5FD_file_image_callbacks_t callbacks() {
    return {&image_malloc, &image_memcpy, &image_realloc, &image_free, &udata_copy,
            &udata_free,   this};
  }

 private:
  static void* image_malloc(std::size_t size, H5FD_file_image_op_t, void* udata) noexcept {
    auto* image = static_cast<BorrowedImage*>(udata);
    return size == image->size ? image->data : std::malloc(size);
  }
  static void* image_memcpy(void* destination, const void* source, std::size_t size,
                            H5FD_file_image_op_t, void*) noexcept {
    if (destination != source) std::memcpy(destination, source, size);
    return destination;
  }
  static void* image_realloc(void*, std::size_t, H5FD_file_image_op_t, void*) noexcept {
    return nullptr;
  }
  static herr_t image_free(void* pointer, H5FD_file_image_op_t, void* udata) noexcept {
    if (pointer != static_cast<BorrowedImage*>(udata)->data) std::free(pointer);
    return 0;
  }
  static void* udata_copy(void* udata) noexcept { return udata; }
  static herr_t udata_free(void*) noexcept { return 0; }
};

enum class Element { kFloat64, kInt64, kUint64 };

std::string_view element_name(Element element) {
  switch (element) {
    case Element::kFloat64:
      return "float64";
    case Element::kInt64:
      return "int64";
    case Element::kUint64:
      return "uint64";
  }
  return "?";
}

template <class T>
struct Array {
  std::vector<hsize_t> dims;
  std::vector<T> values;
};

// Opens an HDF5 image that check_integrity has accepted. HDF5 gets it from memory (the
// core driver, given the image), never from the file again, so the bytes verified are the
// bytes parsed. HDF5 parses its own copy of them; H5LTopen_file_image could skip that
// copy, but in HDF5 1.10.8 it leaks on every open with DONT_COPY|DONT_RELEASE and its
// clean-up wipes the error stack that says why an open failed.
class ImageReader : public Hdf5Site {
 public:
  // HDF5 parses `image` itself, in place: it must outlive the reader and stay unchanged.
  ImageReader(std::string file, std::vector<unsigned char>& image)
      : Hdf5Site(std::move(file)),
        payload_bytes_(image.size() - kUserBlockSize),
        borrowed_{image.data(), image.size()},
        access_(file_),
        file_id_(open_image()) {}
  ImageReader(const ImageReader&) = delete;
  ImageReader& operator=(const ImageReader&) = delete;

  // Before anything is opened by name or read: every object is one our writer makes.
  void check_structure() const {
    check_checkpoint_structure(file_id_.get(), access_, payload_bytes_ + kUserBlockSize, file_);
  }

  CheckpointState read() const {
    CheckpointState state;
    H5Owner root = open_group("/");
    const hid_t r = root.get();
    state.format_version = to_int(read_int_attribute(r, "/", "format_version"), "/format_version");
    check_format_version(state.format_version, file_);
    state.generation = read_int_attribute(r, "/", "generation");
    state.job = to_int(read_int_attribute(r, "/", "job"), "/job");
    state.ranks = to_int(read_int_attribute(r, "/", "ranks"), "/ranks");
    if (state.ranks < 1) invalid(fmt::format("root attribute ranks = {}", state.ranks));
    const std::int64_t is_final = read_int_attribute(r, "/", "final");
    if (is_final != 0 && is_final != 1) {
      invalid(fmt::format("root attribute final = {} (expected 0 or 1)", is_final));
    }
    state.final = is_final == 1;
    state.seed = read_uint_attribute(r, "/", "seed");
    state.config_hash = read_uint_attribute(r, "/", "config_hash");
    state.evaluations = read_int_attribute(r, "/", "evaluations");
    state.created_utc = read_string_attribute(r, "/", "created_utc");
    state.software_version = read_string_attribute(r, "/", "software_version");
    state.trigger = read_string_attribute(r, "/", "trigger");
    if (attribute_exists(r, "/", "stop_reason")) {
      state.stop_reason = read_string_attribute(r, "/", "stop_reason");
    }

    state.population = read_population("/population");
    state.hall_of_fame = read_population("/hall_of_fame");
    state.in_progress = read_population("/in_progress");
    {
      H5Owner in_progress = open_group("/in_progress");
      state.in_progress_evaluations =
          read_int_attribute(in_progress.get(), "/in_progress", "evaluations_needed");
      state.in_progress_generation =
          read_int_attribute(in_progress.get(), "/in_progress", "generation");
      if (attribute_exists(in_progress.get(), "/in_progress", "failed")) {
        state.in_progress_failed = read_int_attribute(in_progress.get(), "/in_progress", "failed");
      }
    }
    state.logbook = read_logbook();
    state.rng = read_rng(state.ranks);
    state.algorithm = read_algorithm();
    {
      H5Owner config = open_group("/config");
      state.config_text = read_string_dataset(config.get(), "/config", "text");
    }
    {
      H5Owner run = open_group("/run");
      Array<std::int64_t> history =
          read_array<std::int64_t>(run.get(), "/run", "ranks_history", 1, Element::kInt64);
      state.ranks_history = std::move(history.values);
    }
    return state;
  }

  void close() { file_id_.close(file_, "close HDF5 image"); }

 private:
  H5Owner open_image() {
    H5Owner fapl = own(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "create file access plist");
    check(H5Pset_fapl_core(fapl.get(), std::size_t{1} << 16, /*backing_store=*/false),
          "select in-memory core driver");
    // The callbacks must precede the image; they make HDF5 use the image without a copy.
    H5FD_file_image_callbacks_t callbacks = borrowed_.callbacks();
    check(H5Pset_file_image_callbacks(fapl.get(), &callbacks),
          "let HDF5 read the verified image in place");
    check(H5Pset_file_image(fapl.get(), borrowed_.data, borrowed_.size),
          "hand the verified image to HDF5");
    // As in ImageBuilder::build: one name per open, as HDF5 identifies files by name.
    static std::atomic<std::uint64_t> opens{0};
    const std::string name = fmt::format("<verified image {} of {}>", ++opens, file_);
    return own(H5Fopen(name.c_str(), H5F_ACC_RDONLY, fapl.get()), H5Fclose, "open HDF5 image");
  }

  H5Owner open_group(const std::string& path) const {
    return own(H5Gopen2(file_id_.get(), path.c_str(), access_.groups()), H5Gclose,
               "open group " + path);
  }

  bool attribute_exists(hid_t object, std::string_view object_name, const char* name) const {
    const htri_t exists = H5Aexists(object, name);
    if (exists < 0) fail_hdf5(file_, "look up attribute " + object_path(object_name, name));
    return exists > 0;
  }

  int to_int(std::int64_t value, std::string_view what) const {
    if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max()) {
      invalid(fmt::format("{} = {} is out of range", what, value));
    }
    return static_cast<int>(value);
  }

  // Opens a scalar attribute and checks its type class (and, for integers, signedness).
  H5Owner open_scalar_attribute(hid_t object, std::string_view object_name, const char* name,
                                H5T_class_t expected_class, std::optional<H5T_sign_t> sign,
                                std::string_view expected) const {
    const std::string where = "attribute " + object_path(object_name, name);
    if (!attribute_exists(object, object_name, name)) invalid(where + " is missing");
    H5Owner attribute = own(H5Aopen(object, name, H5P_DEFAULT), H5Aclose, "open " + where);
    H5Owner space = own(H5Aget_space(attribute.get()), H5Sclose, "get space of " + where);
    if (H5Sget_simple_extent_type(space.get()) != H5S_SCALAR) {
      invalid(where + " is not a scalar");
    }
    H5Owner type = own(H5Aget_type(attribute.get()), H5Tclose, "get type of " + where);
    bool ok = H5Tget_class(type.get()) == expected_class;
    if (ok && sign) ok = H5Tget_sign(type.get()) == *sign && H5Tget_size(type.get()) <= 8;
    if (!ok) invalid(fmt::format("{} is not {}", where, expected));
    return attribute;
  }

  std::int64_t read_int_attribute(hid_t object, std::string_view object_name,
                                  const char* name) const {
    H5Owner attribute = open_scalar_attribute(object, object_name, name, H5T_INTEGER, H5T_SGN_2,
                                              "a signed integer");
    std::int64_t value = 0;
    check(H5Aread(attribute.get(), H5T_NATIVE_INT64, &value),
          "read attribute " + object_path(object_name, name));
    return value;
  }

  std::uint64_t read_uint_attribute(hid_t object, std::string_view object_name,
                                    const char* name) const {
    H5Owner attribute = open_scalar_attribute(object, object_name, name, H5T_INTEGER, H5T_SGN_NONE,
                                              "an unsigned integer");
    std::uint64_t value = 0;
    check(H5Aread(attribute.get(), H5T_NATIVE_UINT64, &value),
          "read attribute " + object_path(object_name, name));
    return value;
  }

  // A variable-length string type in the character set of `stored_type`.
  H5Owner memory_string_type(hid_t stored_type, const std::string& where) const {
    const htri_t variable = H5Tis_variable_str(stored_type);
    if (variable < 0) fail_hdf5(file_, "inspect type of " + where);
    if (variable == 0) invalid(where + " is not a variable-length string");
    const H5T_cset_t cset = H5Tget_cset(stored_type);
    if (cset < 0) fail_hdf5(file_, "get character set of " + where);
    return string_type(cset);
  }

  // Strings HDF5 allocated while converting variable-length data. A read that fails part
  // way (a damaged heap entry after good ones) has already allocated some of them: they are
  // freed here whatever happens, not only when the read succeeds.
  class HeapStrings {
   public:
    explicit HeapStrings(std::size_t count) : texts_(count, nullptr) {}
    HeapStrings(const HeapStrings&) = delete;
    HeapStrings& operator=(const HeapStrings&) = delete;
    ~HeapStrings() {
      for (char* text : texts_) {
        if (text != nullptr) H5free_memory(text);
      }
    }
    void* buffer() { return texts_.data(); }
    std::size_t size() const { return texts_.size(); }
    std::string take(std::size_t i) {
      char* text = std::exchange(texts_[i], nullptr);
      std::string value = text == nullptr ? std::string() : std::string(text);
      if (text != nullptr) H5free_memory(text);
      return value;
    }

   private:
    std::vector<char*> texts_;
  };

  std::string read_string_attribute(hid_t object, std::string_view object_name,
                                    const char* name) const {
    const std::string where = "attribute " + object_path(object_name, name);
    H5Owner attribute =
        open_scalar_attribute(object, object_name, name, H5T_STRING, std::nullopt, "a string");
    H5Owner stored = own(H5Aget_type(attribute.get()), H5Tclose, "get type of " + where);
    H5Owner type = memory_string_type(stored.get(), where);
    HeapStrings text(1);
    check(H5Aread(attribute.get(), type.get(), text.buffer()), "read " + where);
    return text.take(0);
  }

  std::vector<std::string> read_string_array_attribute(hid_t object, std::string_view object_name,
                                                       const char* name) const {
    const std::string where = "attribute " + object_path(object_name, name);
    if (!attribute_exists(object, object_name, name)) invalid(where + " is missing");
    H5Owner attribute = own(H5Aopen(object, name, H5P_DEFAULT), H5Aclose, "open " + where);
    H5Owner stored = own(H5Aget_type(attribute.get()), H5Tclose, "get type of " + where);
    if (H5Tget_class(stored.get()) != H5T_STRING) invalid(where + " is not a string array");
    H5Owner type = memory_string_type(stored.get(), where);
    H5Owner space = own(H5Aget_space(attribute.get()), H5Sclose, "get space of " + where);
    if (H5Sget_simple_extent_ndims(space.get()) != 1) invalid(where + " is not 1-dimensional");
    hsize_t count = 0;
    if (H5Sget_simple_extent_dims(space.get(), &count, nullptr) < 0) {
      fail_hdf5(file_, "get shape of " + where);
    }
    check_element_count(count, where);
    HeapStrings texts(static_cast<std::size_t>(count));
    if (count > 0) check(H5Aread(attribute.get(), type.get(), texts.buffer()), "read " + where);
    std::vector<std::string> values;
    values.reserve(texts.size());
    for (std::size_t i = 0; i < texts.size(); ++i) values.push_back(texts.take(i));
    return values;
  }

  std::string read_string_dataset(hid_t parent, std::string_view parent_name,
                                  const char* name) const {
    const std::string where = "dataset " + object_path(parent_name, name);
    H5Owner dataset = own(H5Dopen2(parent, name, access_.datasets()), H5Dclose, "open " + where);
    H5Owner space = own(H5Dget_space(dataset.get()), H5Sclose, "get space of " + where);
    if (H5Sget_simple_extent_type(space.get()) != H5S_SCALAR) invalid(where + " is not a scalar");
    H5Owner stored = own(H5Dget_type(dataset.get()), H5Tclose, "get type of " + where);
    if (H5Tget_class(stored.get()) != H5T_STRING) invalid(where + " is not a string");
    H5Owner type = memory_string_type(stored.get(), where);
    HeapStrings text(1);
    check(H5Dread(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, text.buffer()),
          "read " + where);
    return text.take(0);
  }

  // A dataset cannot hold more 8-byte elements than the file has bytes; this keeps a
  // hostile shape from turning into a huge allocation.
  void check_element_count(hsize_t count, const std::string& where) const {
    if (count > payload_bytes_ / 8) {
      invalid(fmt::format("{} claims {} elements, more than the file can hold", where, count));
    }
  }

  template <class T>
  Array<T> read_array(hid_t parent, std::string_view parent_name, const std::string& name, int rank,
                      Element element) const {
    const std::string where = "dataset " + object_path(parent_name, name);
    H5Owner dataset =
        own(H5Dopen2(parent, name.c_str(), access_.datasets()), H5Dclose, "open " + where);
    H5Owner type = own(H5Dget_type(dataset.get()), H5Tclose, "get type of " + where);
    const H5T_class_t type_class = H5Tget_class(type.get());
    const std::size_t size = H5Tget_size(type.get());
    bool type_ok = size == 8;
    hid_t memory_type = H5T_NATIVE_DOUBLE;
    switch (element) {
      case Element::kFloat64:
        type_ok = type_ok && type_class == H5T_FLOAT;
        break;
      case Element::kInt64:
        type_ok = type_ok && type_class == H5T_INTEGER && H5Tget_sign(type.get()) == H5T_SGN_2;
        memory_type = H5T_NATIVE_INT64;
        break;
      case Element::kUint64:
        type_ok = type_ok && type_class == H5T_INTEGER && H5Tget_sign(type.get()) == H5T_SGN_NONE;
        memory_type = H5T_NATIVE_UINT64;
        break;
    }
    if (!type_ok) invalid(fmt::format("{} is not {}", where, element_name(element)));

    H5Owner space = own(H5Dget_space(dataset.get()), H5Sclose, "get space of " + where);
    if (H5Sget_simple_extent_type(space.get()) != H5S_SIMPLE) {
      invalid(where + " has no simple shape");
    }
    const int ndims = H5Sget_simple_extent_ndims(space.get());
    if (ndims != rank) {
      invalid(fmt::format("{} has {} dimensions, expected {}", where, ndims, rank));
    }
    Array<T> array;
    array.dims.assign(static_cast<std::size_t>(rank), 0);
    if (H5Sget_simple_extent_dims(space.get(), array.dims.data(), nullptr) < 0) {
      fail_hdf5(file_, "get shape of " + where);
    }
    hsize_t count = 1;
    for (hsize_t dim : array.dims) {
      if (dim != 0 && count > std::numeric_limits<hsize_t>::max() / dim) {
        invalid(where + " has an impossible shape");
      }
      count *= dim;
    }
    check_element_count(count, where);
    array.values.resize(static_cast<std::size_t>(count));
    if (count > 0) {
      check(H5Dread(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, array.values.data()),
            "read " + where);
    }
    return array;
  }

  Population read_population(const std::string& path) const {
    H5Owner group = open_group(path);
    const std::int64_t dimension = read_int_attribute(group.get(), path, "dimension");
    const std::int64_t objectives = read_int_attribute(group.get(), path, "objectives");
    if (dimension < 0 || objectives < 1) {
      invalid(fmt::format("{}: dimension {} and objectives {} (need >= 0 and >= 1)", path,
                          dimension, objectives));
    }
    Array<double> genomes = read_array<double>(group.get(), path, "genomes", 2, Element::kFloat64);
    Array<double> fitness = read_array<double>(group.get(), path, "fitness", 2, Element::kFloat64);
    if (genomes.dims[1] != static_cast<hsize_t>(dimension)) {
      invalid(fmt::format("{}/genomes has {} columns but dimension is {}", path, genomes.dims[1],
                          dimension));
    }
    if (fitness.dims[1] != static_cast<hsize_t>(objectives)) {
      invalid(fmt::format("{}/fitness has {} columns but objectives is {}", path, fitness.dims[1],
                          objectives));
    }
    if (fitness.dims[0] != genomes.dims[0]) {
      invalid(fmt::format("{}: fitness has {} rows but genomes has {}", path, fitness.dims[0],
                          genomes.dims[0]));
    }
    if (dimension == 0 && genomes.dims[0] != 0) {
      invalid(fmt::format("{}: {} individuals of dimension 0", path, genomes.dims[0]));
    }
    Population population;
    population.dimension = static_cast<std::size_t>(dimension);
    population.objectives = static_cast<std::size_t>(objectives);
    population.genes = std::move(genomes.values);
    population.fitness = std::move(fitness.values);
    return population;
  }

  Logbook read_logbook() const {
    H5Owner group = open_group("/logbook");
    const std::vector<std::string> stored =
        read_string_array_attribute(group.get(), "/logbook", "columns");
    const std::vector<std::string>& expected = logbook_columns();
    if (std::set<std::string>(stored.begin(), stored.end()) !=
            std::set<std::string>(expected.begin(), expected.end()) ||
        stored.size() != expected.size()) {
      // An intact file of a build with another column set is not damage: falling back to an
      // older checkpoint would find the same, so say which build can resume it.
      throw IncompatibleCheckpointError(
          checkpoint_prefix(file_) +
          fmt::format("written by a build with other logbook columns [{}], this build has [{}]: "
                      "resume it with the evocluster version that wrote it",
                      fmt::join(stored, ", "), fmt::join(expected, ", ")));
    }
    Logbook logbook;
    std::optional<hsize_t> rows;
    for (const std::string& name : expected) {
      const LogColumn* column = find_log_column(name);
      if (column == nullptr) invalid(fmt::format("logbook column '{}' has no mapping", name));
      auto check_rows = [&](hsize_t count) {
        if (!rows) {
          rows = count;
          logbook.rows.resize(static_cast<std::size_t>(count));
        } else if (*rows != count) {
          invalid(fmt::format("/logbook/{} has {} rows, /logbook/{} has {}", name, count,
                              expected.front(), *rows));
        }
      };
      if (column->integer != nullptr) {
        Array<std::int64_t> values =
            read_array<std::int64_t>(group.get(), "/logbook", name, 1, Element::kInt64);
        check_rows(values.dims[0]);
        for (std::size_t i = 0; i < values.values.size(); ++i) {
          logbook.rows[i].*column->integer = values.values[i];
        }
      } else {
        Array<double> values =
            read_array<double>(group.get(), "/logbook", name, 1, Element::kFloat64);
        check_rows(values.dims[0]);
        for (std::size_t i = 0; i < values.values.size(); ++i) {
          logbook.rows[i].*column->real = values.values[i];
        }
      }
    }
    read_multiobjective_columns(group.get(), logbook);
    return logbook;
  }

  // The optional datasets of write_multiobjective_columns.
  void read_multiobjective_columns(hid_t group, Logbook& logbook) const {
    const auto has = [&](const char* name) {
      const htri_t exists = H5Lexists(group, name, access_.links());
      if (exists < 0) fail_hdf5(file_, fmt::format("look up /logbook/{}", name));
      return exists > 0;
    };
    const std::size_t rows = logbook.rows.size();
    if (has("objective_stats")) {
      Array<double> stats =
          read_array<double>(group, "/logbook", "objective_stats", 2, Element::kFloat64);
      if (stats.dims[0] != rows || stats.dims[1] % 3 != 0) {
        invalid(
            fmt::format("/logbook/objective_stats is {} x {}, expected {} rows and 3 columns "
                        "per objective",
                        stats.dims[0], stats.dims[1], rows));
      }
      const auto width = static_cast<std::size_t>(stats.dims[1]);
      for (std::size_t i = 0; i < rows; ++i) {
        const auto first = stats.values.begin() + static_cast<std::ptrdiff_t>(i * width);
        logbook.rows[i].objective_stats.assign(first, first + static_cast<std::ptrdiff_t>(width));
      }
    }
    if (has("hypervolume")) {
      Array<double> values =
          read_array<double>(group, "/logbook", "hypervolume", 1, Element::kFloat64);
      if (values.dims[0] != rows) {
        invalid(
            fmt::format("/logbook/hypervolume has {} rows, the logbook {}", values.dims[0], rows));
      }
      for (std::size_t i = 0; i < rows; ++i) logbook.rows[i].hypervolume = values.values[i];
    }
  }

  std::vector<Rng::State> read_rng(int ranks) const {
    H5Owner group = open_group("/rng");
    const std::string engine = read_string_attribute(group.get(), "/rng", "engine");
    if (engine != Rng::kEngineName) {
      throw IncompatibleCheckpointError(
          checkpoint_prefix(file_) +
          fmt::format("RNG engine '{}' (this build uses '{}')", engine, Rng::kEngineName));
    }
    Array<std::uint64_t> words =
        read_array<std::uint64_t>(group.get(), "/rng", "state", 2, Element::kUint64);
    if (words.dims[1] != Rng::kStateWords) {
      invalid(
          fmt::format("/rng/state has {} columns, expected {}", words.dims[1], Rng::kStateWords));
    }
    if (words.dims[0] != static_cast<hsize_t>(ranks)) {
      invalid(fmt::format("/rng/state has {} rows but ranks is {}", words.dims[0], ranks));
    }
    std::vector<Rng::State> states(static_cast<std::size_t>(words.dims[0]));
    for (std::size_t r = 0; r < states.size(); ++r) {
      for (std::size_t w = 0; w < Rng::kStateWords; ++w) {
        states[r][w] = words.values[r * Rng::kStateWords + w];
      }
    }
    return states;
  }

  AlgorithmState read_algorithm() const {
    H5Owner group = open_group("/algorithm");
    AlgorithmState algorithm;
    algorithm.name = read_string_attribute(group.get(), "/algorithm", "name");
    struct Listing {
      std::vector<std::string> names;
      bool only_hard_links = true;
    } listing;
    // Collect names only: no exception may cross HDF5's C frames.
    hsize_t index = 0;
    check(H5Literate(
              group.get(), H5_INDEX_NAME, H5_ITER_INC, &index,
              [](hid_t, const char* name, const H5L_info_t* info, void* data) noexcept -> herr_t {
                auto* out = static_cast<Listing*>(data);
                if (info->type != H5L_TYPE_HARD) out->only_hard_links = false;
                try {
                  out->names.emplace_back(name);
                } catch (...) {
                  return -1;  // stops the iteration; H5Literate then fails
                }
                return 0;
              },
              &listing),
          "list group /algorithm");
    if (!listing.only_hard_links) invalid("/algorithm holds a soft or external link");
    for (const std::string& name : listing.names) {
      const std::string where = "/algorithm/" + name;
      H5T_class_t type_class = H5T_NO_CLASS;
      {
        H5Owner dataset =
            own(H5Dopen2(group.get(), name.c_str(), access_.datasets()), H5Dclose, "open " + where);
        H5Owner type = own(H5Dget_type(dataset.get()), H5Tclose, "get type of " + where);
        type_class = H5Tget_class(type.get());
      }
      if (type_class == H5T_FLOAT) {
        algorithm.reals[name] =
            read_array<double>(group.get(), "/algorithm", name, 1, Element::kFloat64).values;
      } else if (type_class == H5T_INTEGER) {
        algorithm.integers[name] =
            read_array<std::int64_t>(group.get(), "/algorithm", name, 1, Element::kInt64).values;
      } else {
        invalid(where + " is neither float64 nor int64");
      }
    }
    return algorithm;
  }

  std::size_t payload_bytes_;
  BorrowedImage borrowed_;  // before file_id_: HDF5 holds it while the file is open
  NoLinkTraversal access_;  // every open goes through it
  H5Owner file_id_;
};

std::atomic<bool> parse_isolated{true};

CheckpointState parse_image(const std::string& file, std::vector<unsigned char>& image) {
  QuietHdf5Errors quiet;
  ImageReader reader(file, image);
  reader.check_structure();
  CheckpointState state = reader.read();
  reader.close();
  return state;
}

// HDF5 parses the image in a child first (common/isolated_parse.hpp says why). The budget is
// many times what a parse of a well-formed file needs (the image is borrowed, not copied;
// the state read is about its size), the deadline many times its parse time.
void parse_image_isolated(const std::string& file, std::vector<unsigned char>& image) {
  IsolatedParseLimits limits;
  limits.memory_bytes = 8 * image.size() + (std::size_t{512} << 20);
  limits.deadline = std::chrono::milliseconds(5'000 + image.size() / 20'000);
  const IsolatedParseResult result =
      run_isolated_parse([&] { (void)parse_image(file, image); }, limits);
  switch (result.outcome) {
    case IsolatedParseResult::Outcome::kAccepted:
      return;
    case IsolatedParseResult::Outcome::kRefused:
      if (result.exit_code == kExitIncompatibleCheckpoint) {
        throw IncompatibleCheckpointError(result.message);
      }
      throw CheckpointError(result.message, result.exit_code);
    case IsolatedParseResult::Outcome::kFailed:
      fail_checkpoint(file, fmt::format("HDF5 cannot parse it safely: {} (a damaged or hostile "
                                        "file; the parse ran in a separate process)",
                                        result.message));
  }
}

// Every step read_checkpoint and verify_checkpoint share: frame, structure, schema, content.
CheckpointState load_checkpoint(const std::filesystem::path& path, const std::string& file,
                                bool validate_content) {
  std::vector<unsigned char> image = read_checkpoint_file(path, file);
  check_format_version(check_integrity(image, file), file);
  if (parse_isolated.load()) parse_image_isolated(file, image);
  CheckpointState state = parse_image(file, image);
  if (validate_content) validate_checkpoint_state(state, file);
  return state;
}

}  // namespace

CheckpointState read_checkpoint(const std::filesystem::path& path) {
  return load_checkpoint(path, path.string(), /*validate_content=*/true);
}

CheckpointState read_checkpoint_format_only(const std::filesystem::path& path) {
  return load_checkpoint(path, path.string(), /*validate_content=*/false);
}

void set_checkpoint_parse_isolation(bool isolated) { parse_isolated.store(isolated); }

VerifyResult verify_checkpoint(const std::filesystem::path& path) {
  const std::string file = path.string();
  try {
    (void)load_checkpoint(path, file, /*validate_content=*/true);
    return {true, ""};
  } catch (const std::exception& error) {
    std::string reason = error.what();
    const std::string prefix = checkpoint_prefix(file);
    if (reason.starts_with(prefix)) reason.erase(0, prefix.size());
    return {false, reason};
  } catch (...) {
    return {false, "unknown error"};
  }
}

}  // namespace evo::common
