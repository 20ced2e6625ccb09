// The checkpoint writer: a CheckpointState becomes the HDF5 schema of
// docs/checkpoint-format.md, built entirely in memory (core driver, no backing store) in a
// buffer kept between checkpoints, then framed (checkpoint_frame) and committed durably
// (checkpoint_file). The same state always gives the same bytes.
#include <fmt/format.h>
#include <hdf5.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/checkpoint.hpp"
#include "common/checkpoint_file.hpp"
#include "common/checkpoint_frame.hpp"
#include "common/checkpoint_hdf5.hpp"
#include "common/checkpoint_schema.hpp"
#include "common/logbook.hpp"
#include "common/population.hpp"
#include "common/rng.hpp"

namespace evo::common {
namespace {

constexpr std::size_t kUserBlockSize = kCheckpointUserBlockSize;

// The memory of the in-memory file ImageBuilder builds: one buffer for the process, kept
// between checkpoints and only ever grown, so a checkpoint does not pay again for the
// page faults of fresh image-sized memory. HDF5's core driver allocates, grows and frees
// its file through these callbacks; "free" leaves the buffer here, where write_checkpoint
// frames and writes it in place. The lock of mutex() is held from build to commit.
class ImageArena {
 public:
  static ImageArena& instance() {
    static ImageArena arena;
    return arena;
  }
  std::mutex& mutex() { return mutex_; }
  std::span<unsigned char> contents() const { return {data_, capacity_}; }

  // Makes the buffer hold at least `size` bytes, keeping its contents; nullptr when out
  // of memory (the buffer is then unchanged).
  unsigned char* reserve(std::size_t size) noexcept {
    if (size > capacity_) {
      void* grown = std::realloc(data_, size);
      if (grown == nullptr) return nullptr;
      data_ = static_cast<unsigned char*>(grown);
      capacity_ = size;
    }
    return data_;
  }

  // Callbacks for H5Pset_file_image_callbacks, with the arena as udata.
  static H5FD_file_image_callbacks_t callbacks() {
    return {&image_malloc, &image_memcpy, &image_realloc, &image_free,
            &udata_copy,   &udata_free,   &instance()};
  }

 private:
  ImageArena() = default;
  ~ImageArena() { std::free(data_); }

  static void* image_malloc(std::size_t size, H5FD_file_image_op_t, void* udata) noexcept {
    return static_cast<ImageArena*>(udata)->reserve(size);
  }
  static void* image_memcpy(void* destination, const void* source, std::size_t size,
                            H5FD_file_image_op_t, void*) noexcept {
    if (destination != source) std::memmove(destination, source, size);
    return destination;
  }
  static void* image_realloc(void* pointer, std::size_t size, H5FD_file_image_op_t,
                             void* udata) noexcept {
    auto* arena = static_cast<ImageArena*>(udata);
    if (pointer != nullptr && pointer != arena->data_) return nullptr;  // not ours
    return arena->reserve(size);
  }
  static herr_t image_free(void*, H5FD_file_image_op_t, void*) noexcept { return 0; }
  static void* udata_copy(void* udata) noexcept { return udata; }
  static herr_t udata_free(void*) noexcept { return 0; }

  std::mutex mutex_;
  unsigned char* data_ = nullptr;
  std::size_t capacity_ = 0;
};

void validate_population(const Population& population, std::string_view where,
                         const std::string& file) {
  if (population.objectives == 0)
    fail_checkpoint(file, fmt::format("invalid state: {} has 0 objectives", where));
  if (population.dimension == 0) {
    if (!population.genes.empty() || !population.fitness.empty()) {
      fail_checkpoint(file,
                      fmt::format("invalid state: {} has dimension 0 but {} genes and {} fitness "
                                  "values",
                                  where, population.genes.size(), population.fitness.size()));
    }
    return;
  }
  if (population.genes.size() % population.dimension != 0) {
    fail_checkpoint(
        file, fmt::format("invalid state: {} has {} genes, not a multiple of dimension {}", where,
                          population.genes.size(), population.dimension));
  }
  if (population.fitness.size() != population.size() * population.objectives) {
    fail_checkpoint(file, fmt::format("invalid state: {} has {} individuals x {} objectives but {} "
                                      "fitness values",
                                      where, population.size(), population.objectives,
                                      population.fitness.size()));
  }
}

bool valid_link_name(std::string_view name) {
  return !name.empty() && name != "." && name.find('/') == std::string_view::npos;
}

void validate_string(std::string_view text, std::string_view what, const std::string& file) {
  if (text.find('\0') != std::string_view::npos) {
    fail_checkpoint(file, fmt::format("invalid state: {} contains a NUL character", what));
  }
}

void validate_state(const CheckpointState& state, const std::string& file) {
  if (state.format_version != kCheckpointFormatVersion) {
    fail_checkpoint(file,
                    fmt::format("invalid state: format_version {} (this build writes version {})",
                                state.format_version, kCheckpointFormatVersion));
  }
  if (state.ranks < 1) fail_checkpoint(file, fmt::format("invalid state: ranks = {}", state.ranks));
  if (state.rng.size() != static_cast<std::size_t>(state.ranks)) {
    fail_checkpoint(file,
                    fmt::format("invalid state: {} RNG states for {} ranks (one per rank expected)",
                                state.rng.size(), state.ranks));
  }
  validate_population(state.population, "population", file);
  validate_population(state.hall_of_fame, "hall of fame", file);
  validate_population(state.in_progress, "in-progress generation", file);
  validate_string(state.config_text, "config text", file);
  validate_string(state.created_utc, "created_utc", file);
  validate_string(state.software_version, "software_version", file);
  validate_string(state.trigger, "trigger", file);
  validate_string(state.stop_reason, "stop_reason", file);
  validate_string(state.algorithm.name, "algorithm name", file);
  for (const auto& [name, values] : state.algorithm.reals) {
    if (!valid_link_name(name)) {
      fail_checkpoint(
          file, fmt::format("invalid state: algorithm array name '{}' (must be non-empty, not "
                            "'.', without '/')",
                            name));
    }
    if (state.algorithm.integers.contains(name)) {
      fail_checkpoint(
          file, fmt::format("invalid state: algorithm array '{}' is both real and integer", name));
    }
  }
  for (const auto& [name, values] : state.algorithm.integers) {
    if (!valid_link_name(name)) {
      fail_checkpoint(
          file, fmt::format("invalid state: algorithm array name '{}' (must be non-empty, not "
                            "'.', without '/')",
                            name));
    }
  }
  for (const std::string& column : logbook_columns()) {
    if (find_log_column(column) == nullptr) {
      fail_checkpoint(file, fmt::format("logbook column '{}' has no checkpoint mapping", column));
    }
  }
}

class ImageBuilder : public Hdf5Site {
 public:
  using Hdf5Site::Hdf5Site;

  // Builds the file for `state`: returns its bytes, the 512-byte user block (zeroed,
  // for frame_image) followed by the HDF5 file. They are the arena's (locked by the
  // caller) or, should HDF5 not place the superblock at offset 512 in its memory,
  // `fallback`, a copy.
  std::span<unsigned char> build(const CheckpointState& state, ImageArena& arena,
                                 std::vector<unsigned char>& fallback) {
    H5Owner fcpl = own(H5Pcreate(H5P_FILE_CREATE), H5Pclose, "create file creation plist");
    check(H5Pset_userblock(fcpl.get(), kUserBlockSize), "set 512-byte user block");
    // No modification times in object headers: the same state gives the same bytes.
    check(H5Pset_obj_track_times(fcpl.get(), false), "turn off object times");
    H5Owner gcpl = own(H5Pcreate(H5P_GROUP_CREATE), H5Pclose, "create group creation plist");
    check(H5Pset_obj_track_times(gcpl.get(), false), "turn off object times");
    H5Owner dcpl = own(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "create dataset creation plist");
    check(H5Pset_obj_track_times(dcpl.get(), false), "turn off object times");
    gcpl_ = gcpl.get();
    dcpl_ = dcpl.get();
    H5Owner fapl = own(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "create file access plist");
    check(H5Pset_fapl_core(fapl.get(), std::size_t{1} << 20, /*backing_store=*/false),
          "select in-memory core driver");
    H5FD_file_image_callbacks_t callbacks = ImageArena::callbacks();
    check(H5Pset_file_image_callbacks(fapl.get(), &callbacks),
          "keep the in-memory file in the image arena");
    // The name only identifies the in-memory file (nothing is opened under it); HDF5 takes
    // two open core-driver files of the same name for one, so each build gets its own.
    static std::atomic<std::uint64_t> builds{0};
    const std::string memory_name = fmt::format("<in-memory image {} of {}>", ++builds, file_);
    H5Owner file_id = own(H5Fcreate(memory_name.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()),
                          H5Fclose, "create in-memory HDF5 file");
    write_contents(file_id.get(), state);
    check(H5Fflush(file_id.get(), H5F_SCOPE_GLOBAL), "flush in-memory HDF5 file");
    const ssize_t size = H5Fget_file_image(file_id.get(), nullptr, 0);
    if (size < 0) fail_hdf5(file_, "get file image size");
    const std::size_t file_bytes = kUserBlockSize + static_cast<std::size_t>(size);
    auto in_arena = [&] {
      const std::span<const unsigned char> memory = arena.contents();
      return memory.size() >= file_bytes && has_hdf5_signature_at(memory, kUserBlockSize);
    };
    if (!in_arena()) {
      std::vector<unsigned char> image(static_cast<std::size_t>(size));
      if (H5Fget_file_image(file_id.get(), image.data(), image.size()) != size) {
        fail_hdf5(file_, "get file image");
      }
      file_id.close(file_, "close in-memory HDF5 file");
      fallback = with_user_block(std::move(image), file_);
      return fallback;
    }
    file_id.close(file_, "close in-memory HDF5 file");
    if (!in_arena()) fail_checkpoint(file_, "build image: HDF5 image lost its superblock on close");
    return arena.contents().first(file_bytes);
  }

 private:
  // Creation property lists of build(), valid while it runs.
  hid_t gcpl_ = H5P_DEFAULT;
  hid_t dcpl_ = H5P_DEFAULT;

  void write_contents(hid_t file_id, const CheckpointState& state) const {
    H5Owner root = own(H5Gopen2(file_id, "/", H5P_DEFAULT), H5Gclose, "open group /");
    const hid_t r = root.get();
    const std::int32_t format_version = state.format_version;
    const std::int32_t job = state.job;
    const std::int32_t ranks = state.ranks;
    const std::int32_t is_final = state.final ? 1 : 0;
    write_attribute(r, "/", "format_version", H5T_STD_I32LE, H5T_NATIVE_INT32, &format_version);
    write_attribute(r, "/", "generation", H5T_STD_I64LE, H5T_NATIVE_INT64, &state.generation);
    write_attribute(r, "/", "job", H5T_STD_I32LE, H5T_NATIVE_INT32, &job);
    write_attribute(r, "/", "ranks", H5T_STD_I32LE, H5T_NATIVE_INT32, &ranks);
    write_attribute(r, "/", "final", H5T_STD_I32LE, H5T_NATIVE_INT32, &is_final);
    write_attribute(r, "/", "seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, &state.seed);
    write_attribute(r, "/", "config_hash", H5T_STD_U64LE, H5T_NATIVE_UINT64, &state.config_hash);
    write_attribute(r, "/", "evaluations", H5T_STD_I64LE, H5T_NATIVE_INT64, &state.evaluations);
    write_string_attribute(r, "/", "created_utc", state.created_utc);
    write_string_attribute(r, "/", "software_version", state.software_version);
    write_string_attribute(r, "/", "trigger", state.trigger);
    write_string_attribute(r, "/", "stop_reason", state.stop_reason);

    write_population(r, "population", state.population);
    write_population(r, "hall_of_fame", state.hall_of_fame);
    {
      H5Owner in_progress = write_population(r, "in_progress", state.in_progress);
      write_attribute(in_progress.get(), "/in_progress", "evaluations_needed", H5T_STD_I64LE,
                      H5T_NATIVE_INT64, &state.in_progress_evaluations);
      write_attribute(in_progress.get(), "/in_progress", "generation", H5T_STD_I64LE,
                      H5T_NATIVE_INT64, &state.in_progress_generation);
      // Only when there are some: checkpoints without failures stay as they were.
      if (state.in_progress_failed > 0) {
        write_attribute(in_progress.get(), "/in_progress", "failed", H5T_STD_I64LE,
                        H5T_NATIVE_INT64, &state.in_progress_failed);
      }
    }
    write_logbook(r, state.logbook);
    write_rng(r, state.rng);
    write_algorithm(r, state.algorithm);
    {
      H5Owner config = make_group(r, "/config");
      write_string_dataset(config.get(), "/config", "text", state.config_text);
    }
    {
      H5Owner run = make_group(r, "/run");
      const std::array<hsize_t, 1> dims = {state.ranks_history.size()};
      write_dataset(run.get(), "/run", "ranks_history", H5T_STD_I64LE, H5T_NATIVE_INT64, dims,
                    state.ranks_history.data());
    }
  }

  H5Owner make_group(hid_t parent, const std::string& path) const {
    const std::string name = path.substr(path.rfind('/') + 1);
    return own(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, gcpl_, H5P_DEFAULT), H5Gclose,
               "create group " + path);
  }

  void write_attribute(hid_t object, std::string_view object_name, const char* name,
                       hid_t file_type, hid_t memory_type, const void* value) const {
    const std::string step = "write attribute " + object_path(object_name, name);
    H5Owner space = own(H5Screate(H5S_SCALAR), H5Sclose, step);
    H5Owner attribute = own(
        H5Acreate2(object, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose, step);
    check(H5Awrite(attribute.get(), memory_type, value), step);
    attribute.close(file_, step);
  }

  void write_string_attribute(hid_t object, std::string_view object_name, const char* name,
                              const std::string& value) const {
    H5Owner type = string_type();
    const char* text = value.c_str();
    write_attribute(object, object_name, name, type.get(), type.get(), &text);
  }

  void write_string_array_attribute(hid_t object, std::string_view object_name, const char* name,
                                    const std::vector<std::string>& values) const {
    const std::string step = "write attribute " + object_path(object_name, name);
    H5Owner type = string_type();
    const std::array<hsize_t, 1> dims = {values.size()};
    H5Owner space = own(H5Screate_simple(1, dims.data(), nullptr), H5Sclose, step);
    H5Owner attribute =
        own(H5Acreate2(object, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
            step);
    std::vector<const char*> texts;
    texts.reserve(values.size());
    for (const std::string& value : values) texts.push_back(value.c_str());
    if (!texts.empty()) check(H5Awrite(attribute.get(), type.get(), texts.data()), step);
    attribute.close(file_, step);
  }

  void write_dataset(hid_t parent, std::string_view parent_name, const std::string& name,
                     hid_t file_type, hid_t memory_type, std::span<const hsize_t> dims,
                     const void* data) const {
    const std::string step = "write dataset " + object_path(parent_name, name);
    H5Owner space =
        own(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose, step);
    H5Owner dataset = own(
        H5Dcreate2(parent, name.c_str(), file_type, space.get(), H5P_DEFAULT, dcpl_, H5P_DEFAULT),
        H5Dclose, step);
    hsize_t count = 1;
    for (hsize_t dim : dims) count *= dim;
    if (count > 0) {
      check(H5Dwrite(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), step);
    }
    dataset.close(file_, step);
  }

  void write_string_dataset(hid_t parent, std::string_view parent_name, const char* name,
                            const std::string& value) const {
    const std::string step = "write dataset " + object_path(parent_name, name);
    H5Owner type = string_type();
    H5Owner space = own(H5Screate(H5S_SCALAR), H5Sclose, step);
    H5Owner dataset =
        own(H5Dcreate2(parent, name, type.get(), space.get(), H5P_DEFAULT, dcpl_, H5P_DEFAULT),
            H5Dclose, step);
    const char* text = value.c_str();
    check(H5Dwrite(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &text), step);
    dataset.close(file_, step);
  }

  // Returns the group, for callers that add attributes.
  H5Owner write_population(hid_t root, const std::string& name,
                           const Population& population) const {
    const std::string path = "/" + name;
    H5Owner group = make_group(root, path);
    const auto dimension = static_cast<std::int64_t>(population.dimension);
    const auto objectives = static_cast<std::int64_t>(population.objectives);
    // Kept as attributes too, so an empty population keeps its shape.
    write_attribute(group.get(), path, "dimension", H5T_STD_I64LE, H5T_NATIVE_INT64, &dimension);
    write_attribute(group.get(), path, "objectives", H5T_STD_I64LE, H5T_NATIVE_INT64, &objectives);
    const hsize_t rows = population.size();
    const std::array<hsize_t, 2> genome_dims = {rows, population.dimension};
    write_dataset(group.get(), path, "genomes", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, genome_dims,
                  population.genes.data());
    const std::array<hsize_t, 2> fitness_dims = {rows, population.objectives};
    write_dataset(group.get(), path, "fitness", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, fitness_dims,
                  population.fitness.data());
    return group;
  }

  void write_logbook(hid_t root, const Logbook& logbook) const {
    H5Owner group = make_group(root, "/logbook");
    const std::vector<std::string>& columns = logbook_columns();
    write_string_array_attribute(group.get(), "/logbook", "columns", columns);
    const std::array<hsize_t, 1> dims = {logbook.rows.size()};
    for (const std::string& name : columns) {
      const LogColumn& column = *find_log_column(name);  // validate_state checked it
      if (column.integer != nullptr) {
        std::vector<std::int64_t> values;
        for (const LogRecord& row : logbook.rows) values.push_back(row.*column.integer);
        write_dataset(group.get(), "/logbook", name, H5T_STD_I64LE, H5T_NATIVE_INT64, dims,
                      values.data());
      } else {
        std::vector<double> values;
        for (const LogRecord& row : logbook.rows) values.push_back(row.*column.real);
        write_dataset(group.get(), "/logbook", name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, dims,
                      values.data());
      }
    }
    write_multiobjective_columns(group.get(), logbook);
  }

  // Multi-objective runs: objective_stats [rows, 3 * objectives] (min, avg, max of each
  // objective) and hypervolume [rows]; written only when the rows have them.
  void write_multiobjective_columns(hid_t group, const Logbook& logbook) const {
    if (logbook.rows.empty()) return;
    const std::size_t width = logbook.rows.front().objective_stats.size();
    if (width > 0) {
      std::vector<double> values;
      for (const LogRecord& row : logbook.rows) {
        if (row.objective_stats.size() != width) {
          fail_checkpoint(file_,
                          "invalid state: logbook rows differ in their number of objectives");
        }
        values.insert(values.end(), row.objective_stats.begin(), row.objective_stats.end());
      }
      const std::array<hsize_t, 2> dims = {logbook.rows.size(), width};
      write_dataset(group, "/logbook", "objective_stats", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, dims,
                    values.data());
    }
    if (std::any_of(logbook.rows.begin(), logbook.rows.end(),
                    [](const LogRecord& row) { return !std::isnan(row.hypervolume); })) {
      std::vector<double> values;
      for (const LogRecord& row : logbook.rows) values.push_back(row.hypervolume);
      const std::array<hsize_t, 1> dims = {logbook.rows.size()};
      write_dataset(group, "/logbook", "hypervolume", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, dims,
                    values.data());
    }
  }

  void write_rng(hid_t root, const std::vector<Rng::State>& states) const {
    H5Owner group = make_group(root, "/rng");
    write_string_attribute(group.get(), "/rng", "engine", Rng::kEngineName);
    std::vector<std::uint64_t> words;
    for (const Rng::State& state : states) words.insert(words.end(), state.begin(), state.end());
    const std::array<hsize_t, 2> dims = {states.size(), Rng::kStateWords};
    write_dataset(group.get(), "/rng", "state", H5T_STD_U64LE, H5T_NATIVE_UINT64, dims,
                  words.data());
  }

  void write_algorithm(hid_t root, const AlgorithmState& algorithm) const {
    H5Owner group = make_group(root, "/algorithm");
    write_string_attribute(group.get(), "/algorithm", "name", algorithm.name);
    for (const auto& [name, values] : algorithm.reals) {
      const std::array<hsize_t, 1> dims = {values.size()};
      write_dataset(group.get(), "/algorithm", name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, dims,
                    values.data());
    }
    for (const auto& [name, values] : algorithm.integers) {
      const std::array<hsize_t, 1> dims = {values.size()};
      write_dataset(group.get(), "/algorithm", name, H5T_STD_I64LE, H5T_NATIVE_INT64, dims,
                    values.data());
    }
  }
};

}  // namespace

void write_checkpoint(const std::filesystem::path& path, const CheckpointState& state) {
  const std::string file = path.string();
  validate_state(state, file);
  ImageArena& arena = ImageArena::instance();
  const std::lock_guard lock(arena.mutex());
  std::vector<unsigned char> fallback;
  std::span<unsigned char> bytes;
  {
    QuietHdf5Errors quiet;
    bytes = ImageBuilder(file).build(state, arena, fallback);
  }
  frame_image(bytes, state.format_version);
  commit_checkpoint_image(path, bytes, file);
}

}  // namespace evo::common
