#include "common/loopback_transport.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace evo::common {

LoopbackAborted::LoopbackAborted(int exit_code)
    : std::runtime_error(fmt::format("loopback network aborted with exit code {}", exit_code)),
      exit_code_(exit_code) {}

class LoopbackNetwork::Endpoint : public Transport {
 public:
  Endpoint(LoopbackNetwork& network, int rank) : network_(network), rank_(rank) {}

  Bytes& next_send_buffer() override { return send_buffer_; }
  void send_buffer(int rank, Tag tag) override { network_.deliver(rank_, rank, tag, send_buffer_); }
  void receive_any(Message& into) override { network_.take(rank_, -1, into); }
  bool try_receive_any(double timeout_seconds, Message& into) override {
    return network_.take(rank_, timeout_seconds, into);
  }
  bool message_waiting(int source, Tag tag) override {
    return network_.waiting(rank_, source, tag);
  }
  using Transport::receive_any;
  int rank() const override { return rank_; }
  int size() const override { return network_.size(); }
  [[noreturn]] void abort(int exit_code) override { network_.abort_all(exit_code); }

 private:
  LoopbackNetwork& network_;
  int rank_;
  Bytes send_buffer_;
};

LoopbackNetwork::LoopbackNetwork(int size)
    : mailboxes_(static_cast<std::size_t>(size)), sent_by_tag_(16, 0) {
  if (size < 1) throw std::invalid_argument("a loopback network needs at least one rank");
  for (int rank = 0; rank < size; ++rank) {
    endpoints_.push_back(std::make_unique<Endpoint>(*this, rank));
  }
}

LoopbackNetwork::~LoopbackNetwork() = default;

Transport& LoopbackNetwork::endpoint(int rank) {
  return *endpoints_.at(static_cast<std::size_t>(rank));
}

std::optional<int> LoopbackNetwork::abort_code() const {
  const std::lock_guard lock(mutex_);
  return abort_code_;
}

int LoopbackNetwork::sent_count(Tag tag) const {
  const std::lock_guard lock(mutex_);
  return sent_by_tag_.at(static_cast<std::size_t>(tag));
}

void LoopbackNetwork::throw_if_aborted() const {
  if (abort_code_) throw LoopbackAborted(*abort_code_);
}

void LoopbackNetwork::deliver(int from, int to, Tag tag, const Bytes& payload) {
  {
    const std::lock_guard lock(mutex_);
    throw_if_aborted();
    if (to < 0 || to >= size()) {
      throw std::out_of_range(fmt::format("rank {} sent to rank {} of {}", from, to, size()));
    }
    // A copy, as MPI's: the sender reuses its buffer at once.
    mailboxes_[static_cast<std::size_t>(to)].push_back(Message{from, tag, payload});
    ++sent_by_tag_.at(static_cast<std::size_t>(tag));
  }
  arrived_.notify_all();
}

bool LoopbackNetwork::take(int rank, double timeout_seconds, Message& into) {
  std::unique_lock lock(mutex_);
  auto& mailbox = mailboxes_[static_cast<std::size_t>(rank)];
  const auto ready = [&] { return abort_code_.has_value() || !mailbox.empty(); };
  if (timeout_seconds < 0) {
    arrived_.wait(lock, ready);
  } else if (!arrived_.wait_for(lock, std::chrono::duration<double>(timeout_seconds), ready)) {
    return false;
  }
  throw_if_aborted();
  into = std::move(mailbox.front());
  mailbox.pop_front();
  return true;
}

bool LoopbackNetwork::waiting(int rank, int source, Tag tag) const {
  const std::lock_guard lock(mutex_);
  throw_if_aborted();
  const auto& mailbox = mailboxes_[static_cast<std::size_t>(rank)];
  return std::any_of(mailbox.begin(), mailbox.end(), [&](const Message& message) {
    return message.source == source && message.tag == tag;
  });
}

void LoopbackNetwork::abort_all(int exit_code) {
  {
    const std::lock_guard lock(mutex_);
    if (!abort_code_) abort_code_ = exit_code;
  }
  arrived_.notify_all();
  throw LoopbackAborted(exit_code);
}

}  // namespace evo::common
