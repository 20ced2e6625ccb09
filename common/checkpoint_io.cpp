// The checkpoint file: the HDF5 schema of docs/checkpoint-format.md, the 512-byte
// integrity header kept in the HDF5 user block, and the durable commit (tmp, fsync,
// rename, fsync directory). The file is built entirely in memory (core driver, no
// backing store) and read back from memory after its checksum has been verified, so
// HDF5 never parses a byte we have not verified. The only file that includes <hdf5.h>.
#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <hdf5.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/checkpoint.hpp"
#include "common/crash_points.hpp"
#include "common/error.hpp"
#include "common/logbook.hpp"
#include "common/population.hpp"
#include "common/rng.hpp"

namespace evo::common {
namespace {

// ---------------------------------------------------------------------------------------
// Integrity header (docs/checkpoint-format.md, "Integrity header"). All integers are
// little-endian; the hashes are in xxHash's canonical (big-endian) byte order, i.e. the
// order `xxhsum -H2` prints.
constexpr std::size_t kUserBlockSize = 512;
constexpr std::array<unsigned char, 8> kMagic = {'E', 'V', 'O', 'C', 'K', 'P', 'T', '\n'};
constexpr std::array<unsigned char, 8> kHdf5Signature = {0x89, 'H',  'D',  'F',
                                                         '\r', '\n', 0x1a, '\n'};
constexpr std::uint32_t kHeaderVersion = 1;
constexpr std::size_t kOffsetMagic = 0;
constexpr std::size_t kOffsetHeaderVersion = 8;
constexpr std::size_t kOffsetUserBlockSize = 12;
constexpr std::size_t kOffsetFormatVersion = 16;
constexpr std::size_t kOffsetPayloadLength = 24;
constexpr std::size_t kOffsetPayloadHash = 32;  // XXH3-128, 16 bytes
constexpr std::size_t kOffsetHeaderHash = 48;   // XXH3-64, 8 bytes
constexpr std::size_t kHeaderHashSize = 8;

void store_le(std::span<unsigned char> out, std::uint64_t value, std::size_t bytes) {
  for (std::size_t i = 0; i < bytes; ++i) {
    out[i] = static_cast<unsigned char>(value >> (8 * i));
  }
}

std::uint64_t load_le(std::span<const unsigned char> in, std::size_t bytes) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < bytes; ++i) value |= std::uint64_t{in[i]} << (8 * i);
  return value;
}

std::array<unsigned char, 16> payload_hash(std::span<const unsigned char> payload) {
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits(payload.data(), payload.size()));
  std::array<unsigned char, 16> out{};
  std::memcpy(out.data(), canonical.digest, out.size());
  return out;
}

// XXH3-64 of the whole 512-byte block with the header-hash field taken as zero.
std::array<unsigned char, 8> header_hash(std::span<const unsigned char> block) {
  std::array<unsigned char, kUserBlockSize> copy{};
  std::memcpy(copy.data(), block.data(), kUserBlockSize);
  std::memset(copy.data() + kOffsetHeaderHash, 0, kHeaderHashSize);
  XXH64_canonical_t canonical;
  XXH64_canonicalFromHash(&canonical, XXH3_64bits(copy.data(), copy.size()));
  std::array<unsigned char, 8> out{};
  std::memcpy(out.data(), canonical.digest, out.size());
  return out;
}

std::string hex(std::span<const unsigned char> bytes) {
  std::string out;
  for (unsigned char byte : bytes) out += fmt::format("{:02x}", byte);
  return out;
}

std::string checkpoint_prefix(const std::string& file) { return "checkpoint " + file + ": "; }

[[noreturn]] void fail(const std::string& file, std::string_view reason) {
  throw CheckpointError(checkpoint_prefix(file) + std::string(reason));
}

[[noreturn]] void fail_errno(const std::string& file, std::string_view step, int error) {
  fail(file, fmt::format("{}: {}", step, std::strerror(error)));
}

bool has_hdf5_signature_at(std::span<const unsigned char> bytes, std::size_t offset) {
  return bytes.size() > offset + kHdf5Signature.size() &&
         std::memcmp(bytes.data() + offset, kHdf5Signature.data(), kHdf5Signature.size()) == 0;
}

// The copying path, for an image HDF5 returned through H5Fget_file_image: the file's
// bytes with room for our header in front. HDF5 1.10 returns the image from the
// superblock on (without the user block, whose space it reserved but never writes);
// should a version return the user block too, that space is overwritten, as HDF5 never
// reads it.
std::vector<unsigned char> with_user_block(std::vector<unsigned char> image,
                                           const std::string& file) {
  if (has_hdf5_signature_at(image, 0)) {
    image.insert(image.begin(), kUserBlockSize, 0);
  } else if (!has_hdf5_signature_at(image, kUserBlockSize)) {
    fail(file, "build image: HDF5 image has no superblock at offset 0 or 512");
  }
  return image;
}

// Writes our integrity header into the user block of `bytes` (the whole file: the
// 512-byte user block, then the HDF5 file proper), in place.
void frame_image(std::span<unsigned char> bytes, int format_version) {
  std::span<unsigned char> block = bytes.first(kUserBlockSize);
  std::memset(block.data(), 0, block.size());
  std::span<const unsigned char> payload = bytes.subspan(kUserBlockSize);
  std::memcpy(block.data() + kOffsetMagic, kMagic.data(), kMagic.size());
  store_le(block.subspan(kOffsetHeaderVersion), kHeaderVersion, 4);
  store_le(block.subspan(kOffsetUserBlockSize), kUserBlockSize, 4);
  store_le(block.subspan(kOffsetFormatVersion), static_cast<std::uint32_t>(format_version), 4);
  store_le(block.subspan(kOffsetPayloadLength), payload.size(), 8);
  const auto payload_digest = payload_hash(payload);
  std::memcpy(block.data() + kOffsetPayloadHash, payload_digest.data(), payload_digest.size());
  const auto header_digest = header_hash(block);
  std::memcpy(block.data() + kOffsetHeaderHash, header_digest.data(), header_digest.size());
}

// Checks magic, header checksum, length and payload checksum of a whole file in memory;
// returns the header's format version. Throws CheckpointError with the reason.
int check_integrity(std::span<const unsigned char> bytes, const std::string& file) {
  if (bytes.empty()) fail(file, "empty file (0 bytes)");
  const std::size_t magic_bytes = std::min(bytes.size(), kMagic.size());
  if (std::memcmp(bytes.data(), kMagic.data(), magic_bytes) != 0) {
    if (bytes.size() >= kHdf5Signature.size() &&
        std::memcmp(bytes.data(), kHdf5Signature.data(), kHdf5Signature.size()) == 0) {
      fail(file,
           "not an evocluster checkpoint (bad magic): a plain HDF5 file without the "
           "integrity header");
    }
    fail(file, "not an evocluster checkpoint (bad magic)");
  }
  if (bytes.size() < kUserBlockSize) {
    fail(file, fmt::format("truncated: file has {} bytes, less than the {}-byte integrity header",
                           bytes.size(), kUserBlockSize));
  }
  const std::span<const unsigned char> block = bytes.first(kUserBlockSize);
  const auto expected_header_digest = header_hash(block);
  if (std::memcmp(expected_header_digest.data(), block.data() + kOffsetHeaderHash,
                  kHeaderHashSize) != 0) {
    fail(file, fmt::format("integrity header checksum mismatch (header damaged): computed {}, "
                           "stored {}",
                           hex(expected_header_digest),
                           hex(block.subspan(kOffsetHeaderHash, kHeaderHashSize))));
  }
  const std::uint64_t header_version = load_le(block.subspan(kOffsetHeaderVersion), 4);
  if (header_version != kHeaderVersion) {
    fail(file, fmt::format("unsupported integrity header version {} (this build reads {})",
                           header_version, kHeaderVersion));
  }
  const std::uint64_t user_block = load_le(block.subspan(kOffsetUserBlockSize), 4);
  if (user_block != kUserBlockSize) {
    fail(file, fmt::format("integrity header: user block size {} (expected {})", user_block,
                           kUserBlockSize));
  }
  const std::uint64_t expected_length = load_le(block.subspan(kOffsetPayloadLength), 8);
  const std::size_t actual_length = bytes.size() - kUserBlockSize;
  if (actual_length < expected_length) {
    fail(file, fmt::format("truncated: header says {} bytes, file has {} (after the {}-byte "
                           "header)",
                           expected_length, actual_length, kUserBlockSize));
  }
  if (actual_length > expected_length) {
    fail(file, fmt::format("trailing data: header says {} bytes, file has {} (after the "
                           "{}-byte header)",
                           expected_length, actual_length, kUserBlockSize));
  }
  const auto digest = payload_hash(bytes.subspan(kUserBlockSize));
  if (std::memcmp(digest.data(), block.data() + kOffsetPayloadHash, digest.size()) != 0) {
    fail(file, fmt::format("checksum mismatch: payload XXH3-128 is {}, header says {}", hex(digest),
                           hex(block.subspan(kOffsetPayloadHash, digest.size()))));
  }
  return static_cast<int>(load_le(block.subspan(kOffsetFormatVersion), 4));
}

void check_format_version(int version, const std::string& file) {
  if (version != kCheckpointFormatVersion) {
    throw IncompatibleCheckpointError(
        checkpoint_prefix(file) +
        fmt::format("incompatible checkpoint format version {} (this build reads version {})",
                    version, kCheckpointFormatVersion));
  }
}

// ---------------------------------------------------------------------------------------
// POSIX file I/O.

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // Returns 0 or the errno of close().
  int close() {
    const int fd = std::exchange(fd_, -1);
    return ::close(fd) == 0 ? 0 : errno;
  }

 private:
  int fd_;
};

std::vector<unsigned char> read_whole_file(const std::filesystem::path& path,
                                           const std::string& file) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) fail_errno(file, "open", errno);
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) fail_errno(file, "stat", errno);
  if (!S_ISREG(info.st_mode)) fail(file, "not a regular file");
  // One read loop straight into a buffer of the size fstat gave (each fresh page costs
  // a fault, so no intermediate buffer); a file that shrinks or grows meanwhile is read
  // to its end all the same, and the integrity check judges what was read.
  std::vector<unsigned char> bytes(static_cast<std::size_t>(info.st_size));
  std::size_t filled = 0;
  auto read_some = [&](unsigned char* into, std::size_t room) -> std::size_t {
    for (;;) {
      const ssize_t got = ::read(fd.get(), into, room);
      if (got >= 0) return static_cast<std::size_t>(got);
      if (errno != EINTR) fail_errno(file, "read", errno);
    }
  };
  while (filled < bytes.size()) {
    const std::size_t got = read_some(bytes.data() + filled, bytes.size() - filled);
    if (got == 0) break;
    filled += got;
  }
  bytes.resize(filled);
  if (filled == static_cast<std::size_t>(info.st_size)) {
    std::array<unsigned char, 4096> chunk{};
    for (;;) {
      const std::size_t got = read_some(chunk.data(), chunk.size());
      if (got == 0) break;
      bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(got));
    }
  }
  return bytes;
}

// Returns 0 or the errno of the failing write().
int write_fully(int fd, std::span<const unsigned char> bytes) {
  while (!bytes.empty()) {
    const ssize_t put = ::write(fd, bytes.data(), bytes.size());
    if (put < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (put == 0) return ENOSPC;  // no progress: treat as a full device rather than spin
    bytes = bytes.subspan(static_cast<std::size_t>(put));
  }
  return 0;
}

// Writes `image` to path.tmp, fsyncs, renames over `path`, fsyncs the directory. Before
// the rename any failure removes the tmp and leaves `path` as it was.
void commit_image(const std::filesystem::path& path, std::span<const unsigned char> image,
                  const std::string& file) {
  const std::string tmp = path.string() + ".tmp";
  auto fail_and_remove_tmp = [&](std::string_view step, int error) {
    ::unlink(tmp.c_str());
    fail_errno(file, fmt::format("{} {}", step, tmp), error);
  };
  FileDescriptor fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) fail_and_remove_tmp("open for writing", errno);
  crash_point("tmp_open");
  const std::size_t half = image.size() / 2;
  if (const int error = write_fully(fd.get(), image.first(half)); error != 0) {
    fail_and_remove_tmp("write", error);
  }
  crash_point("tmp_partial");
  if (const int error = write_fully(fd.get(), image.subspan(half)); error != 0) {
    fail_and_remove_tmp("write", error);
  }
  crash_point("tmp_written");
  // No retry: after a failed fsync the kernel may have dropped the dirty pages, and a
  // second fsync would report success for data that never reached the disk.
  if (::fsync(fd.get()) != 0) fail_and_remove_tmp("fsync", errno);
  if (const int error = fd.close(); error != 0) fail_and_remove_tmp("close", error);
  crash_point("tmp_synced");
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail_and_remove_tmp("rename", errno);
  crash_point("renamed");

  std::filesystem::path directory = path.parent_path();
  if (directory.empty()) directory = ".";
  FileDescriptor dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) {
    fail_errno(file,
               fmt::format("open directory {} to fsync it (checkpoint renamed into place, "
                           "durability not confirmed)",
                           directory.string()),
               errno);
  }
  // EINVAL: the file system cannot sync directories at all; nothing more can be done.
  if (::fsync(dir.get()) != 0 && errno != EINVAL) {
    fail_errno(file,
               fmt::format("fsync directory {} (checkpoint renamed into place, "
                           "durability not confirmed)",
                           directory.string()),
               errno);
  }
}

// ---------------------------------------------------------------------------------------
// HDF5 plumbing.

// HDF5 prints its error stack to stderr by default; we turn the stack into the message
// of the CheckpointError instead, for the duration of one public call.
class QuietHdf5Errors {
 public:
  QuietHdf5Errors() {
    H5Eget_auto2(H5E_DEFAULT, &function_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  QuietHdf5Errors(const QuietHdf5Errors&) = delete;
  QuietHdf5Errors& operator=(const QuietHdf5Errors&) = delete;
  ~QuietHdf5Errors() { H5Eset_auto2(H5E_DEFAULT, function_, data_); }

 private:
  H5E_auto2_t function_ = nullptr;
  void* data_ = nullptr;
};

// The innermost (most specific) description on HDF5's error stack; clears the stack.
std::string hdf5_error_detail() {
  std::string detail;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned n, const H5E_error2_t* error, void* out) noexcept -> herr_t {
        if (n != 0 || error->desc == nullptr) return 0;
        try {
          *static_cast<std::string*>(out) = fmt::format(
              "{} (in {})", error->desc, error->func_name != nullptr ? error->func_name : "?");
        } catch (...) {
          // Out of memory while describing an error: the caller reports a generic one.
        }
        return 0;
      },
      &detail);
  H5Eclear2(H5E_DEFAULT);
  return detail.empty() ? "HDF5 call failed" : detail;
}

[[noreturn]] void fail_hdf5(const std::string& file, std::string_view step) {
  fail(file, fmt::format("{}: {}", step, hdf5_error_detail()));
}

void check_hdf5(herr_t status, const std::string& file, std::string_view step) {
  if (status < 0) fail_hdf5(file, step);
}

// Owns one HDF5 id; construction checks it, so a failed H5*create/open throws at once.
class H5Owner {
 public:
  using Closer = herr_t (*)(hid_t);
  H5Owner(hid_t id, Closer closer, const std::string& file, std::string_view step)
      : id_(id), closer_(closer) {
    if (id_ < 0) fail_hdf5(file, step);
  }
  H5Owner(H5Owner&& other) noexcept
      : id_(std::exchange(other.id_, H5I_INVALID_HID)), closer_(other.closer_) {}
  H5Owner& operator=(H5Owner&&) = delete;
  H5Owner(const H5Owner&) = delete;
  H5Owner& operator=(const H5Owner&) = delete;
  // Destructors never throw: a close failing here follows an error already being reported.
  ~H5Owner() {
    if (id_ >= 0) closer_(id_);
  }
  hid_t get() const { return id_; }
  void close(const std::string& file, std::string_view step) {
    const hid_t id = std::exchange(id_, H5I_INVALID_HID);
    check_hdf5(closer_(id), file, step);
  }

 private:
  hid_t id_;
  Closer closer_;
};

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

// Where HDF5 objects live and which context errors name.
class Hdf5Site {
 public:
  explicit Hdf5Site(std::string file) : file_(std::move(file)) {}

 protected:
  H5Owner own(hid_t id, H5Owner::Closer closer, std::string_view step) const {
    return {id, closer, file_, step};
  }
  void check(herr_t status, std::string_view step) const { check_hdf5(status, file_, step); }
  [[noreturn]] void invalid(std::string_view what) const { fail(file_, what); }

  // Variable-length string type in `cset` (h5py reads such attributes as str).
  H5Owner string_type(H5T_cset_t cset = H5T_CSET_UTF8) const {
    H5Owner type = own(H5Tcopy(H5T_C_S1), H5Tclose, "copy string type");
    check(H5Tset_size(type.get(), H5T_VARIABLE), "set string type size");
    check(H5Tset_cset(type.get(), cset), "set string character set");
    return type;
  }

  std::string file_;
};

std::string object_path(std::string_view parent, std::string_view name) {
  return parent == "/" ? fmt::format("/{}", name) : fmt::format("{}/{}", parent, name);
}

// ---------------------------------------------------------------------------------------
// Logbook columns: schema name -> LogRecord field.

struct LogColumn {
  std::string_view name;
  std::int64_t LogRecord::*integer = nullptr;
  double LogRecord::*real = nullptr;
};

constexpr std::array<LogColumn, 16> kLogColumns = {{
    {"gen", &LogRecord::gen, nullptr},
    {"evals", &LogRecord::evals, nullptr},
    {"min", nullptr, &LogRecord::min},
    {"avg", nullptr, &LogRecord::avg},
    {"max", nullptr, &LogRecord::max},
    {"std", nullptr, &LogRecord::std},
    {"failed", &LogRecord::failed, nullptr},
    {"retried", &LogRecord::retried, nullptr},
    {"wall_s", nullptr, &LogRecord::wall_s},
    {"evals_per_s", nullptr, &LogRecord::evals_per_s},
    {"status_failed", &LogRecord::status_failed, nullptr},
    {"status_non_zero_exit", &LogRecord::status_non_zero_exit, nullptr},
    {"status_signaled", &LogRecord::status_signaled, nullptr},
    {"status_timeout", &LogRecord::status_timeout, nullptr},
    {"status_garbage", &LogRecord::status_garbage, nullptr},
    {"status_non_finite", &LogRecord::status_non_finite, nullptr},
}};

const LogColumn* find_log_column(std::string_view name) {
  for (const LogColumn& column : kLogColumns) {
    if (column.name == name) return &column;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------
// Writing.

void validate_population(const Population& population, std::string_view where,
                         const std::string& file) {
  if (population.objectives == 0)
    fail(file, fmt::format("invalid state: {} has 0 objectives", where));
  if (population.dimension == 0) {
    if (!population.genes.empty() || !population.fitness.empty()) {
      fail(file, fmt::format("invalid state: {} has dimension 0 but {} genes and {} fitness "
                             "values",
                             where, population.genes.size(), population.fitness.size()));
    }
    return;
  }
  if (population.genes.size() % population.dimension != 0) {
    fail(file, fmt::format("invalid state: {} has {} genes, not a multiple of dimension {}", where,
                           population.genes.size(), population.dimension));
  }
  if (population.fitness.size() != population.size() * population.objectives) {
    fail(file,
         fmt::format("invalid state: {} has {} individuals x {} objectives but {} "
                     "fitness values",
                     where, population.size(), population.objectives, population.fitness.size()));
  }
}

bool valid_link_name(std::string_view name) {
  return !name.empty() && name != "." && name.find('/') == std::string_view::npos;
}

void validate_string(std::string_view text, std::string_view what, const std::string& file) {
  if (text.find('\0') != std::string_view::npos) {
    fail(file, fmt::format("invalid state: {} contains a NUL character", what));
  }
}

void validate_state(const CheckpointState& state, const std::string& file) {
  if (state.format_version != kCheckpointFormatVersion) {
    fail(file, fmt::format("invalid state: format_version {} (this build writes version {})",
                           state.format_version, kCheckpointFormatVersion));
  }
  if (state.ranks < 1) fail(file, fmt::format("invalid state: ranks = {}", state.ranks));
  if (state.rng.size() != static_cast<std::size_t>(state.ranks)) {
    fail(file, fmt::format("invalid state: {} RNG states for {} ranks (one per rank expected)",
                           state.rng.size(), state.ranks));
  }
  validate_population(state.population, "population", file);
  validate_population(state.hall_of_fame, "hall of fame", file);
  validate_population(state.in_progress, "in-progress generation", file);
  validate_string(state.config_text, "config text", file);
  validate_string(state.created_utc, "created_utc", file);
  validate_string(state.software_version, "software_version", file);
  validate_string(state.trigger, "trigger", file);
  validate_string(state.algorithm.name, "algorithm name", file);
  for (const auto& [name, values] : state.algorithm.reals) {
    if (!valid_link_name(name)) {
      fail(file, fmt::format("invalid state: algorithm array name '{}' (must be non-empty, not "
                             "'.', without '/')",
                             name));
    }
    if (state.algorithm.integers.contains(name)) {
      fail(file, fmt::format("invalid state: algorithm array '{}' is both real and integer", name));
    }
  }
  for (const auto& [name, values] : state.algorithm.integers) {
    if (!valid_link_name(name)) {
      fail(file, fmt::format("invalid state: algorithm array name '{}' (must be non-empty, not "
                             "'.', without '/')",
                             name));
    }
  }
  for (const std::string& column : logbook_columns()) {
    if (find_log_column(column) == nullptr) {
      fail(file, fmt::format("logbook column '{}' has no checkpoint mapping", column));
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
    if (!in_arena()) fail(file_, "build image: HDF5 image lost its superblock on close");
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

    write_population(r, "population", state.population);
    write_population(r, "hall_of_fame", state.hall_of_fame);
    {
      H5Owner in_progress = write_population(r, "in_progress", state.in_progress);
      write_attribute(in_progress.get(), "/in_progress", "evaluations_needed", H5T_STD_I64LE,
                      H5T_NATIVE_INT64, &state.in_progress_evaluations);
      write_attribute(in_progress.get(), "/in_progress", "generation", H5T_STD_I64LE,
                      H5T_NATIVE_INT64, &state.in_progress_generation);
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
          fail(file_, "invalid state: logbook rows differ in their number of objectives");
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

// ---------------------------------------------------------------------------------------
// Reading.

constexpr std::array<const char*, 11> kRootAttributes = {
    "format_version", "generation",  "job",         "ranks",       "final",
    "seed",           "config_hash", "evaluations", "created_utc", "software_version",
    "trigger"};
constexpr std::array<const char*, 8> kGroups = {
    "population", "hall_of_fame", "in_progress", "logbook", "rng", "algorithm", "config", "run"};

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
        file_id_(open_image()) {}
  ImageReader(const ImageReader&) = delete;
  ImageReader& operator=(const ImageReader&) = delete;

  // Integrity-level check for verify_checkpoint: root attributes and groups exist.
  void check_structure() const {
    H5Owner root = open_group("/");
    for (const char* name : kRootAttributes) {
      if (!attribute_exists(root.get(), "/", name)) {
        invalid(fmt::format("root attribute {} is missing", name));
      }
    }
    for (const char* name : kGroups) {
      const htri_t exists = H5Lexists(root.get(), name, H5P_DEFAULT);
      if (exists < 0) fail_hdf5(file_, fmt::format("look up /{}", name));
      if (exists == 0) invalid(fmt::format("group /{} is missing", name));
    }
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

    state.population = read_population("/population");
    state.hall_of_fame = read_population("/hall_of_fame");
    state.in_progress = read_population("/in_progress");
    {
      H5Owner in_progress = open_group("/in_progress");
      state.in_progress_evaluations =
          read_int_attribute(in_progress.get(), "/in_progress", "evaluations_needed");
      state.in_progress_generation =
          read_int_attribute(in_progress.get(), "/in_progress", "generation");
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
    return own(H5Gopen2(file_id_.get(), path.c_str(), H5P_DEFAULT), H5Gclose, "open group " + path);
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

  static std::string take_string(char* text) {
    std::string value = text == nullptr ? std::string() : std::string(text);
    if (text != nullptr) H5free_memory(text);
    return value;
  }

  std::string read_string_attribute(hid_t object, std::string_view object_name,
                                    const char* name) const {
    const std::string where = "attribute " + object_path(object_name, name);
    H5Owner attribute =
        open_scalar_attribute(object, object_name, name, H5T_STRING, std::nullopt, "a string");
    H5Owner stored = own(H5Aget_type(attribute.get()), H5Tclose, "get type of " + where);
    H5Owner type = memory_string_type(stored.get(), where);
    char* text = nullptr;
    check(H5Aread(attribute.get(), type.get(), &text), "read " + where);
    return take_string(text);
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
    std::vector<char*> texts(static_cast<std::size_t>(count), nullptr);
    if (count > 0) check(H5Aread(attribute.get(), type.get(), texts.data()), "read " + where);
    std::vector<std::string> values;
    values.reserve(texts.size());
    for (char* text : texts) values.push_back(take_string(text));
    return values;
  }

  std::string read_string_dataset(hid_t parent, std::string_view parent_name,
                                  const char* name) const {
    const std::string where = "dataset " + object_path(parent_name, name);
    H5Owner dataset = own(H5Dopen2(parent, name, H5P_DEFAULT), H5Dclose, "open " + where);
    H5Owner space = own(H5Dget_space(dataset.get()), H5Sclose, "get space of " + where);
    if (H5Sget_simple_extent_type(space.get()) != H5S_SCALAR) invalid(where + " is not a scalar");
    H5Owner stored = own(H5Dget_type(dataset.get()), H5Tclose, "get type of " + where);
    if (H5Tget_class(stored.get()) != H5T_STRING) invalid(where + " is not a string");
    H5Owner type = memory_string_type(stored.get(), where);
    char* text = nullptr;
    check(H5Dread(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &text),
          "read " + where);
    return take_string(text);
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
    H5Owner dataset = own(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), H5Dclose, "open " + where);
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
      const htri_t exists = H5Lexists(group, name, H5P_DEFAULT);
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
            own(H5Dopen2(group.get(), name.c_str(), H5P_DEFAULT), H5Dclose, "open " + where);
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
  H5Owner file_id_;
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
  commit_image(path, bytes, file);
}

CheckpointState read_checkpoint(const std::filesystem::path& path) {
  const std::string file = path.string();
  std::vector<unsigned char> image = read_whole_file(path, file);
  check_format_version(check_integrity(image, file), file);
  QuietHdf5Errors quiet;
  ImageReader reader(file, image);
  CheckpointState state = reader.read();
  reader.close();
  return state;
}

VerifyResult verify_checkpoint(const std::filesystem::path& path) {
  const std::string file = path.string();
  try {
    std::vector<unsigned char> image = read_whole_file(path, file);
    check_format_version(check_integrity(image, file), file);
    QuietHdf5Errors quiet;
    ImageReader reader(file, image);
    reader.check_structure();
    reader.close();
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
