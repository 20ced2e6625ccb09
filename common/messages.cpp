// Wire formats of task, result, RNG-state and text messages.
//
// The layout is the host's own (little-endian, IEEE-754 doubles): every rank runs the same
// binary on the same architecture, so there is nothing to convert and each array is one
// memcpy. Every message starts with an 8-byte magic that reads as ASCII in a hex dump,
// followed by 64-bit counts and sizes; unpack checks the payload length exactly against
// what the header describes, so a truncated, padded or foreign payload is rejected before
// any of it is used.
//
//   tasks:   "EVOTASK2" job:i64 generation:u64 dimension:u64 runs:u64 rows:u64
//            runs:{first_index:u64 first_row:u64 count:u64}[runs] genes:f64[rows * dimension]
//            (run r is tasks first_index.. with genomes in rows first_row..; rows that no
//            run names may travel too, so that the master copies a block of its population
//            at once)
//   results: "EVORSLT2" objectives:u64 count:u64 busy_seconds:f64 details:u64 detail_bytes:u64
//            worker_rng:u64[Rng::kStateWords] indices:u64[count] fitness:f64[count * objectives]
//            statuses:u8[count] detail_lengths:u64[details] detail_text:char[detail_bytes] (details
//            = number of failed entries; one string per failed entry, in order)
//   rng:     "EVORNG01" words:u64[Rng::kStateWords]
//   text:    "EVOTEXT1" length:u64 text:char[length]
#include "common/messages.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <climits>
#include <cstring>
#include <limits>

#include "common/error.hpp"

namespace evo::common {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the wire layout is the little-endian host layout");
static_assert(std::numeric_limits<double>::is_iec559, "the wire layout needs IEEE-754 doubles");

// The 8 ASCII bytes of `tag`, in memory order.
constexpr std::uint64_t magic(const char (&tag)[9]) {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(tag[i]);
  return value;
}

constexpr std::uint64_t kTaskMagic = magic("EVOTASK2");
constexpr std::uint64_t kResultMagic = magic("EVORSLT2");
constexpr std::uint64_t kRngMagic = magic("EVORNG01");
constexpr std::uint64_t kTextMagic = magic("EVOTEXT1");

constexpr std::size_t kWord = sizeof(std::uint64_t);
constexpr std::size_t kTaskHeaderBytes = 6 * kWord;
constexpr std::size_t kResultHeaderBytes = (6 + Rng::kStateWords) * kWord;

[[noreturn]] void malformed(const char* what, const std::string& why) {
  throw Error(fmt::format("malformed {}: {}", what, why));
}

// Overflow-checked size arithmetic for lengths that come off the wire.
std::size_t checked_mul(std::size_t a, std::size_t b, const char* what) {
  std::size_t result = 0;
  if (__builtin_mul_overflow(a, b, &result)) {
    malformed(what, fmt::format("size {} x {} overflows", a, b));
  }
  return result;
}
std::size_t checked_add(std::size_t a, std::size_t b, const char* what) {
  std::size_t result = 0;
  if (__builtin_add_overflow(a, b, &result)) {
    malformed(what, fmt::format("size {} + {} overflows", a, b));
  }
  return result;
}

class Writer {
 public:
  Writer(Bytes& out, std::size_t total) : out_(out) { out_.resize(total); }
  void u64(std::uint64_t value) { bytes(&value, sizeof value); }
  void f64(double value) { bytes(&value, sizeof value); }
  template <class T>
  void array(const std::vector<T>& values) {
    bytes(values.data(), values.size() * sizeof(T));
  }
  void bytes(const void* data, std::size_t count) {
    if (count > 0) std::memcpy(out_.data() + position_, data, count);
    position_ += count;
  }
  void skip(std::size_t count) { position_ += count; }
  std::size_t position() const { return position_; }

 private:
  Bytes& out_;
  std::size_t position_ = 0;
};

// Reads fields in order; the caller has already checked the total length, so running out
// means a bug here, but is still reported as a malformed payload rather than read past.
class Reader {
 public:
  Reader(std::span<const std::byte> payload, const char* what) : payload_(payload), what_(what) {}
  std::uint64_t u64() {
    std::uint64_t value = 0;
    bytes(&value, sizeof value);
    return value;
  }
  double f64() {
    double value = 0;
    bytes(&value, sizeof value);
    return value;
  }
  void bytes(void* data, std::size_t count) {
    if (count > payload_.size() - position_) {
      malformed(what_, fmt::format("truncated: needs {} bytes at offset {}, payload has {}", count,
                                   position_, payload_.size()));
    }
    if (count > 0) std::memcpy(data, payload_.data() + position_, count);
    position_ += count;
  }
  std::size_t position() const { return position_; }

 private:
  std::span<const std::byte> payload_;
  const char* what_;
  std::size_t position_ = 0;
};

void check_header(std::span<const std::byte> payload, std::size_t header_bytes,
                  std::uint64_t expected_magic, const char* what) {
  if (payload.size() < header_bytes) {
    malformed(what, fmt::format("truncated header: {} bytes, need at least {}", payload.size(),
                                header_bytes));
  }
  std::uint64_t found = 0;
  std::memcpy(&found, payload.data(), sizeof found);
  if (found != expected_magic) {
    malformed(what, fmt::format("bad magic {:#018x}, expected {:#018x}", found, expected_magic));
  }
}

void check_length(std::span<const std::byte> payload, std::size_t expected, const char* what) {
  if (payload.size() != expected) {
    malformed(what,
              fmt::format("payload is {} bytes, its header describes {} ({})", payload.size(),
                          expected, payload.size() < expected ? "truncated" : "trailing bytes"));
  }
}

std::size_t to_size(std::uint64_t value, const char* what, const char* field) {
  if (value > std::numeric_limits<std::size_t>::max()) {
    malformed(what, fmt::format("{} {} does not fit in memory", field, value));
  }
  return static_cast<std::size_t>(value);
}

bool failed(std::uint8_t status) { return status != static_cast<std::uint8_t>(EvalStatus::kOk); }

// The `count` values of type T at `offset` in `payload`, read in place.
template <class T>
std::span<T> array_at(std::byte* payload, std::size_t offset, std::size_t count, const char* what) {
  std::byte* start = payload + offset;
  if (reinterpret_cast<std::uintptr_t>(start) % alignof(T) != 0) {
    throw Error(fmt::format("{}: an array at offset {} is not {}-byte aligned in memory", what,
                            offset, alignof(T)));
  }
  return {reinterpret_cast<T*>(start), count};
}
template <class T>
std::span<const T> array_at(std::span<const std::byte> payload, std::size_t offset,
                            std::size_t count, const char* what) {
  return array_at<T>(const_cast<std::byte*>(payload.data()), offset, count, what);
}

}  // namespace

TaskPacker::TaskPacker(Bytes& out, int job, std::uint64_t generation, std::uint32_t dimension,
                       std::span<const TaskRun> runs, std::size_t rows)
    : row_count_(rows), dimension_(dimension) {
  static_assert(sizeof(TaskRun) == 3 * kWord);
  Writer writer(out, kTaskHeaderBytes + runs.size_bytes() + rows * dimension * sizeof(double));
  writer.u64(kTaskMagic);
  writer.u64(static_cast<std::uint64_t>(static_cast<std::int64_t>(job)));
  writer.u64(generation);
  writer.u64(dimension);
  writer.u64(runs.size());
  writer.u64(rows);
  for (const TaskRun& run : runs) {
    if (run.first_row > rows || run.count > rows - run.first_row) {
      throw Error(fmt::format("pack_tasks: a run of {} tasks from row {}, the batch has {} rows",
                              run.count, run.first_row, rows));
    }
  }
  writer.bytes(runs.data(), runs.size_bytes());
  genes_ = out.data() + writer.position();
}

void TaskPacker::set_rows(std::uint64_t first_row, std::span<const double> genes) {
  const std::size_t rows = dimension_ == 0 ? 0 : genes.size() / dimension_;
  if (genes.size() != rows * dimension_ || first_row > row_count_ ||
      rows > row_count_ - first_row) {
    throw Error(fmt::format("pack_tasks: {} genes from row {}, the batch has {} rows of {}",
                            genes.size(), first_row, row_count_, dimension_));
  }
  if (!genes.empty()) {
    std::memcpy(genes_ + first_row * dimension_ * sizeof(double), genes.data(), genes.size_bytes());
  }
}

void split_into_runs(std::span<const std::uint64_t> indices,
                     std::optional<std::uint64_t> block_start, std::vector<TaskRun>& runs) {
  runs.clear();
  for (std::size_t k = 0; k < indices.size(); ++k) {
    if (runs.empty() || indices[k] != runs.back().first_index + runs.back().count) {
      runs.push_back({indices[k], block_start ? indices[k] - *block_start : k, 0});
    }
    ++runs.back().count;
  }
}

void pack_tasks(const TaskBatch& batch, Bytes& out) {
  const std::size_t count = batch.indices.size();
  if (batch.genes.size() != count * batch.dimension) {
    throw Error(fmt::format("pack_tasks: {} genes for {} tasks of dimension {}", batch.genes.size(),
                            count, batch.dimension));
  }
  std::vector<TaskRun> runs;
  split_into_runs(batch.indices, std::nullopt, runs);
  TaskPacker packer(out, batch.job, batch.generation, batch.dimension, runs, count);
  packer.set_rows(0, batch.genes);
}

TaskBatchView::TaskBatchView(std::span<const std::byte> payload) {
  constexpr const char* kWhat = "task batch";
  check_header(payload, kTaskHeaderBytes, kTaskMagic, kWhat);
  Reader reader(payload, kWhat);
  reader.u64();  // magic
  const auto job = static_cast<std::int64_t>(reader.u64());
  const std::uint64_t generation = reader.u64();
  const std::uint64_t dimension = reader.u64();
  const std::size_t runs = to_size(reader.u64(), kWhat, "run count");
  const std::size_t rows = to_size(reader.u64(), kWhat, "row count");
  if (job < INT_MIN || job > INT_MAX) malformed(kWhat, fmt::format("job {} out of range", job));
  if (dimension > std::numeric_limits<std::uint32_t>::max()) {
    malformed(kWhat, fmt::format("dimension {} out of range", dimension));
  }
  const std::size_t genes_at =
      checked_add(kTaskHeaderBytes, checked_mul(runs, sizeof(TaskRun), kWhat), kWhat);
  const std::size_t genes = checked_mul(rows, static_cast<std::size_t>(dimension), kWhat);
  check_length(payload, checked_add(genes_at, checked_mul(genes, sizeof(double), kWhat), kWhat),
               kWhat);

  job_ = static_cast<int>(job);
  generation_ = generation;
  dimension_ = static_cast<std::uint32_t>(dimension);
  runs_ = array_at<const TaskRun>(payload, kTaskHeaderBytes, runs, kWhat);
  genes_ = array_at<const double>(payload, genes_at, genes, kWhat);
  for (const TaskRun& run : runs_) {
    if (run.first_row > rows || run.count > rows - run.first_row) {
      malformed(kWhat,
                fmt::format("a run of {} tasks from row {} of {}", run.count, run.first_row, rows));
    }
    size_ = checked_add(size_, static_cast<std::size_t>(run.count), kWhat);
  }
}

void unpack_tasks(std::span<const std::byte> payload, TaskBatch& batch) {
  const TaskBatchView view(payload);
  batch.job = view.job();
  batch.generation = view.generation();
  batch.dimension = view.dimension();
  batch.indices.clear();
  batch.genes.clear();
  for (const TaskRun& run : view.runs()) {
    for (std::uint64_t i = 0; i < run.count; ++i) batch.indices.push_back(run.first_index + i);
    const std::span<const double> genes = view.rows(run.first_row, run.count);
    batch.genes.insert(batch.genes.end(), genes.begin(), genes.end());
  }
}

std::uint64_t single_task_message_bytes(std::uint32_t dimension) {
  return kTaskHeaderBytes + sizeof(TaskRun) + std::uint64_t{dimension} * sizeof(double);
}

std::uint64_t result_header_bytes() { return kResultHeaderBytes; }

std::uint64_t result_bytes_per_task(std::uint32_t objectives) {
  // The task index, the values and one status byte (ResultPacker's layout).
  return kWord + std::uint64_t{objectives} * sizeof(double) + 1;
}

ResultPacker::ResultPacker(Bytes& out, std::uint32_t objectives, std::size_t count)
    : out_(out), objectives_(objectives), count_(count) {
  constexpr const char* kWhat = "result batch";
  const std::size_t values = count_ * objectives;
  const std::size_t fitness_at = kResultHeaderBytes + count_ * kWord;
  const std::size_t statuses_at = fitness_at + values * sizeof(double);
  out.resize(statuses_at + count_);
  // Zero fitness and every status kOk: a reused buffer holds the previous batch.
  static_assert(static_cast<std::uint8_t>(EvalStatus::kOk) == 0);
  std::memset(out.data() + fitness_at, 0, out.size() - fitness_at);
  indices_ = array_at<std::uint64_t>(out.data(), kResultHeaderBytes, count_, kWhat);
  fitness_ = array_at<double>(out.data(), fitness_at, values, kWhat);
  statuses_ = out.data() + statuses_at;
}

void ResultPacker::fail(std::size_t k, EvalStatus status, std::string_view detail) {
  if (k >= count_ || status == EvalStatus::kOk || (last_failed_ && k <= *last_failed_)) {
    throw Error(fmt::format("pack_results: failure of entry {} of {} out of order or not a failure",
                            k, count_));
  }
  last_failed_ = k;
  statuses_[k] = static_cast<std::byte>(status);
  detail_lengths_.push_back(detail.size());
  detail_text_ += detail;
}

void ResultPacker::finish(double busy_seconds, const Rng::State& worker_rng) {
  const std::size_t body = kResultHeaderBytes + count_ * (kWord + objectives_ * sizeof(double) + 1);
  Writer writer(out_, body + detail_lengths_.size() * kWord + detail_text_.size());
  writer.u64(kResultMagic);
  writer.u64(objectives_);
  writer.u64(count_);
  writer.f64(busy_seconds);
  writer.u64(detail_lengths_.size());
  writer.u64(detail_text_.size());
  writer.bytes(worker_rng.data(), sizeof worker_rng);
  writer.skip(body - writer.position());
  writer.array(detail_lengths_);
  writer.bytes(detail_text_.data(), detail_text_.size());
}

void pack_results(const ResultBatch& batch, Bytes& out) {
  const std::size_t count = batch.indices.size();
  if (batch.statuses.size() != count || batch.fitness.size() != count * batch.objectives) {
    throw Error(
        fmt::format("pack_results: {} statuses and {} fitness values for {} results of {} "
                    "objectives",
                    batch.statuses.size(), batch.fitness.size(), count, batch.objectives));
  }
  std::size_t failures = 0;
  for (std::uint8_t status : batch.statuses) failures += failed(status) ? 1 : 0;
  if (batch.details.size() != failures) {
    throw Error(fmt::format("pack_results: {} details for {} failed results", batch.details.size(),
                            failures));
  }
  ResultPacker packer(out, batch.objectives, count);
  std::ranges::copy(batch.indices, packer.indices().begin());
  std::ranges::copy(batch.fitness, packer.fitness().begin());
  std::size_t detail = 0;
  for (std::size_t k = 0; k < count; ++k) {
    if (failed(batch.statuses[k])) {
      packer.fail(k, static_cast<EvalStatus>(batch.statuses[k]), batch.details[detail++]);
    }
  }
  packer.finish(batch.busy_seconds, batch.worker_rng);
}

ResultBatchView::ResultBatchView(std::span<const std::byte> payload) : payload_(payload) {
  constexpr const char* kWhat = "result batch";
  check_header(payload, kResultHeaderBytes, kResultMagic, kWhat);
  Reader reader(payload, kWhat);
  reader.u64();  // magic
  const std::uint64_t objectives = reader.u64();
  count_ = to_size(reader.u64(), kWhat, "result count");
  busy_seconds_ = reader.f64();
  details_ = to_size(reader.u64(), kWhat, "detail count");
  const std::size_t detail_bytes = to_size(reader.u64(), kWhat, "detail byte count");
  reader.bytes(worker_rng_.data(), sizeof worker_rng_);
  if (objectives > std::numeric_limits<std::uint32_t>::max()) {
    malformed(kWhat, fmt::format("objective count {} out of range", objectives));
  }
  objectives_ = static_cast<std::uint32_t>(objectives);
  if (details_ > count_) {
    malformed(kWhat, fmt::format("{} details for {} results", details_, count_));
  }
  const std::size_t fitness = checked_mul(count_, static_cast<std::size_t>(objectives), kWhat);
  const std::size_t fitness_at =
      checked_add(kResultHeaderBytes, checked_mul(count_, kWord, kWhat), kWhat);
  statuses_at_ = checked_add(fitness_at, checked_mul(fitness, sizeof(double), kWhat), kWhat);
  lengths_at_ = checked_add(statuses_at_, count_, kWhat);
  text_at_ = checked_add(lengths_at_, checked_mul(details_, kWord, kWhat), kWhat);
  check_length(payload, checked_add(text_at_, detail_bytes, kWhat), kWhat);
  indices_ = array_at<const std::uint64_t>(payload, kResultHeaderBytes, count_, kWhat);
  fitness_ = array_at<const double>(payload, fitness_at, fitness, kWhat);

  std::size_t failures = 0;
  for (std::size_t k = 0; k < count_; ++k) {
    const std::uint8_t value = status(k);
    if (value > kLastEvalStatus) {
      malformed(kWhat, fmt::format("unknown evaluation status {}", value));
    }
    failures += failed(value) ? 1 : 0;
  }
  if (details_ != failures) {
    malformed(kWhat, fmt::format("{} details for {} failed results", details_, failures));
  }
  std::size_t sum = 0;
  for (std::size_t i = 0; i < details_; ++i) {
    std::uint64_t length = 0;
    std::memcpy(&length, payload.data() + lengths_at_ + i * kWord, sizeof length);
    sum = checked_add(sum, to_size(length, kWhat, "detail length"), kWhat);
  }
  if (sum != detail_bytes) {
    malformed(kWhat,
              fmt::format("detail lengths add up to {} bytes, header says {}", sum, detail_bytes));
  }
}

void ResultBatchView::fitness(std::size_t k, std::span<double> out) const {
  if (out.size() != objectives_) {
    throw Error(fmt::format("result batch: {} objectives, {} expected", objectives_, out.size()));
  }
  std::ranges::copy(fitness_.subspan(k * objectives_, objectives_), out.begin());
}

std::string_view ResultBatchView::detail(std::size_t i) const {
  if (detail_offsets_.empty() && details_ > 0) {
    detail_offsets_.resize(details_ + 1, 0);
    for (std::size_t d = 0; d < details_; ++d) {
      std::uint64_t length = 0;
      std::memcpy(&length, payload_.data() + lengths_at_ + d * kWord, sizeof length);
      detail_offsets_[d + 1] = detail_offsets_[d] + static_cast<std::size_t>(length);
    }
  }
  const auto* text = reinterpret_cast<const char*>(payload_.data() + text_at_);
  return {text + detail_offsets_[i], detail_offsets_[i + 1] - detail_offsets_[i]};
}

void unpack_results(std::span<const std::byte> payload, ResultBatch& batch) {
  const ResultBatchView view(payload);
  const std::size_t count = view.size();
  batch.objectives = view.objectives();
  batch.busy_seconds = view.busy_seconds();
  batch.worker_rng = view.worker_rng();
  batch.indices.resize(count);
  batch.statuses.resize(count);
  batch.fitness.resize(count * view.objectives());
  for (std::size_t k = 0; k < count; ++k) {
    batch.indices[k] = view.index(k);
    batch.statuses[k] = view.status(k);
    view.fitness(k, std::span(batch.fitness).subspan(k * view.objectives(), view.objectives()));
  }
  batch.details.resize(view.details());
  for (std::size_t i = 0; i < view.details(); ++i) batch.details[i] = view.detail(i);
}

Bytes pack_rng_state(const Rng::State& state) {
  Bytes out;
  Writer writer(out, kWord + sizeof state);
  writer.u64(kRngMagic);
  writer.bytes(state.data(), sizeof state);
  return out;
}

Rng::State unpack_rng_state(std::span<const std::byte> payload) {
  constexpr const char* kWhat = "rng state";
  check_header(payload, kWord, kRngMagic, kWhat);
  Rng::State state{};
  check_length(payload, kWord + sizeof state, kWhat);
  Reader reader(payload, kWhat);
  reader.u64();  // magic
  reader.bytes(state.data(), sizeof state);
  return state;
}

Bytes pack_text(const std::string& text) {
  Bytes out;
  Writer writer(out, 2 * kWord + text.size());
  writer.u64(kTextMagic);
  writer.u64(text.size());
  writer.bytes(text.data(), text.size());
  return out;
}

std::string unpack_text(std::span<const std::byte> payload) {
  constexpr const char* kWhat = "text message";
  check_header(payload, 2 * kWord, kTextMagic, kWhat);
  Reader reader(payload, kWhat);
  reader.u64();  // magic
  const std::size_t length = to_size(reader.u64(), kWhat, "text length");
  check_length(payload, checked_add(2 * kWord, length, kWhat), kWhat);
  std::string text(length, '\0');
  reader.bytes(text.data(), length);
  return text;
}

// The exit code travels as the first line of the text.
Bytes pack_worker_error(const WorkerError& error) {
  return pack_text(fmt::format("{}\n{}", error.exit_code, error.text));
}

WorkerError unpack_worker_error(std::span<const std::byte> payload) {
  const std::string text = unpack_text(payload);
  const std::size_t newline = text.find('\n');
  WorkerError error;
  if (newline == std::string::npos ||
      std::from_chars(text.data(), text.data() + newline, error.exit_code).ptr !=
          text.data() + newline) {
    throw Error("malformed worker error message");
  }
  error.text = text.substr(newline + 1);
  return error;
}

Error worker_error(const Message& report) {
  const WorkerError error = unpack_worker_error(report.payload);
  return Error(fmt::format("worker rank {}: {}", report.source, error.text), error.exit_code);
}

void stop_workers(Transport& transport, int exit_code) {
  const auto payload = pack_text(std::to_string(exit_code));
  for (int rank = 1; rank < transport.size(); ++rank) transport.send(rank, Tag::kStop, payload);
}

int stop_exit_code(const Message& stop) {
  const std::string code = unpack_text(stop.payload);
  return code.empty() ? 0 : std::stoi(code);
}

}  // namespace evo::common
