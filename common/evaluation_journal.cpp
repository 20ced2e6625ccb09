#include "common/evaluation_journal.hpp"

#include <fcntl.h>
// Inlined: a record's checksum covers 16 bytes, where a library call costs more than the
// hash (it was a third of the job queue's time per result with cheap fitness).
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "common/crash_points.hpp"
#include "common/durable_file.hpp"
#include "common/error.hpp"

namespace evo::common {
namespace {

constexpr std::uint64_t kMagic = 0x314c4e524a4f5645ULL;  // "EVOJRNL1" little-endian

// Fixed header; the host's layout (one binary on one architecture, like the wire format).
struct Header {
  std::uint64_t magic = kMagic;
  std::int64_t job = 0;
  std::int64_t generation = 0;
  std::uint64_t count = 0;
  std::uint64_t dimension = 0;
  std::uint64_t objectives = 0;
  std::uint64_t genes_hash = 0;
  std::uint64_t checksum = 0;  // of the fields above
};

std::uint64_t header_checksum(const Header& header) {
  return XXH3_64bits(&header, offsetof(Header, checksum));
}

Header header_for(int job, std::int64_t generation, const Population& candidates) {
  Header header;
  header.job = job;
  header.generation = generation;
  header.count = candidates.size();
  header.dimension = candidates.dimension;
  header.objectives = candidates.objectives;
  header.genes_hash =
      XXH3_64bits(candidates.genes.data(), candidates.genes.size() * sizeof(double));
  header.checksum = header_checksum(header);
  return header;
}

// Record: index, objectives doubles, checksum over both seeded with the header checksum.
std::size_t record_size(std::size_t objectives) {
  return sizeof(std::uint64_t) * 2 + objectives * sizeof(double);
}

}  // namespace

EvaluationJournal::EvaluationJournal(std::filesystem::path file) : file_(std::move(file)) {}

// Above this the buffer is written whatever its age: bounds memory and the write's size.
constexpr std::size_t kMaxBufferedBytes = std::size_t{1} << 20;

EvaluationJournal::~EvaluationJournal() {
  if (!fd_.open()) return;
  try {
    flush();
  } catch (const CheckpointError&) {
    // Destructors never throw; the unwritten records are computed again after a restart.
  }
}

void EvaluationJournal::open(int flags) {
  fd_.reset();
  create_directories_durably(file_.parent_path());
  fd_ = open_file(file_, O_WRONLY | O_CREAT | flags);
}

// The header goes out with the first records of its segment (or the next flush).
void EvaluationJournal::write_header() {
  buffer_.insert(buffer_.end(), header_.begin(), header_.end());
  records_from_ = buffer_.size();
}

void EvaluationJournal::begin_generation(int job, std::int64_t generation,
                                         const Population& candidates) {
  // Appends: segments of a killed launch stay until the next checkpoint makes them moot.
  if (!fd_.open()) open(O_APPEND);
  flush();  // the previous segment's records, under the previous header
  const Header header = header_for(job, generation, candidates);
  binding_ = header.checksum;
  header_.resize(sizeof header);
  std::memcpy(header_.data(), &header, sizeof header);
  write_header();
}

void EvaluationJournal::reset() {
  open(O_TRUNC | O_APPEND);
  // Records not written yet are in the checkpoint that made the journal moot.
  buffer_.clear();
  records_from_ = 0;
  if (!header_.empty()) write_header();
}

void EvaluationJournal::flush() {
  if (!fd_.open() || buffer_.empty()) return;
  last_write_ = std::chrono::steady_clock::now();
  // Under the test hook, a write of at least two records goes out in two parts, and the
  // kill comes between them: the last record is torn, every record before it is whole (so
  // a restart has something to recover, whatever the timing of the writes).
  bool torn = false;
  std::size_t first = buffer_.size();
  if (crash_point_armed("journal") && header_.size() == sizeof(Header)) {
    Header header;
    std::memcpy(&header, header_.data(), sizeof header);
    const std::size_t size = record_size(header.objectives);
    torn = buffer_.size() - records_from_ >= 2 * size;
    if (torn) first -= size / 2;
  }
  write_all_or_throw(fd_.get(), std::span(buffer_).first(first), file_);
  if (torn) {
    crash_point("journal");
    write_all_or_throw(fd_.get(), std::span(buffer_).subspan(first), file_);
  }
  buffer_.clear();
  records_from_ = 0;
}

void EvaluationJournal::append(std::span<const std::uint64_t> indices,
                               const Population& candidates) {
  if (!fd_.open() || indices.empty()) return;
  const std::size_t size = record_size(candidates.objectives);
  const std::size_t start = buffer_.size();
  buffer_.resize(start + indices.size() * size);
  std::byte* out = buffer_.data() + start;
  for (std::uint64_t index : indices) {
    std::memcpy(out, &index, sizeof index);
    std::memcpy(out + sizeof index, candidates.fitness_of(index).data(),
                candidates.objectives * sizeof(double));
    const std::uint64_t checksum =
        XXH3_64bits_withSeed(out, size - sizeof(std::uint64_t), binding_);
    std::memcpy(out + size - sizeof checksum, &checksum, sizeof checksum);
    out += size;
  }
  if (buffer_.size() >= kMaxBufferedBytes) {
    flush();
  } else {
    flush_if_due();
  }
}

void EvaluationJournal::flush_if_due() {
  if (!buffer_.empty() && std::chrono::steady_clock::now() - last_write_ >=
                              std::chrono::duration<double>(kMaxWriteDelay)) {
    flush();
  }
}

std::size_t EvaluationJournal::recover(const std::filesystem::path& file, int job,
                                       std::int64_t generation, Population& candidates) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return 0;
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
  const Header expected = header_for(job, generation, candidates);
  std::size_t recovered = 0;
  std::size_t offset = 0;
  // Walk the segments; fill from each one that belongs to these very candidates. A record
  // can never start with the magic word: indices are far smaller.
  while (offset + sizeof(Header) <= bytes.size()) {
    Header header;
    std::memcpy(&header, bytes.data() + offset, sizeof header);
    if (header.magic != kMagic || header_checksum(header) != header.checksum) break;
    offset += sizeof header;
    const bool ours = std::memcmp(&header, &expected, sizeof header) == 0;
    const std::size_t size = record_size(header.objectives);
    while (offset + size <= bytes.size()) {
      const char* record = bytes.data() + offset;
      std::uint64_t first_word = 0;
      std::memcpy(&first_word, record, sizeof first_word);
      if (first_word == kMagic) break;  // the next segment
      std::uint64_t checksum = 0;
      std::memcpy(&checksum, record + size - sizeof checksum, sizeof checksum);
      if (XXH3_64bits_withSeed(record, size - sizeof checksum, header.checksum) != checksum) {
        return recovered;  // a torn or damaged record: nothing after it is trusted
      }
      offset += size;
      if (!ours || first_word >= candidates.size() || candidates.evaluated(first_word)) continue;
      std::memcpy(candidates.fitness_of(first_word).data(), record + sizeof first_word,
                  candidates.objectives * sizeof(double));
      ++recovered;
    }
  }
  return recovered;
}

}  // namespace evo::common
