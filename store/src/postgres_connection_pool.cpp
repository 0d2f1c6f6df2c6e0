#include "postgres_connection_pool.hpp"

#include <utility>

namespace cxgw::store {

PostgresConnectionPool::PostgresConnectionPool(std::string connection_string, size_t size,
                                               Prepare prepare)
    : connection_string_(std::move(connection_string)),
      size_(size == 0 ? 1 : size),
      prepare_(std::move(prepare)) {}

PostgresConnectionPool::Lease::Lease(PostgresConnectionPool& pool,
                                     std::unique_ptr<pqxx::connection> connection)
    : pool_(&pool), connection_(std::move(connection)) {}

PostgresConnectionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)), connection_(std::move(other.connection_)) {}

PostgresConnectionPool::Lease::~Lease() {
  if (pool_ != nullptr) pool_->release(std::move(connection_));
}

PostgresConnectionPool::Lease PostgresConnectionPool::acquire() {
  {
    std::unique_lock lock(mutex_);
    released_.wait(lock, [this] { return !idle_.empty() || open_ < size_; });
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(connection));
    }
    ++open_;
  }
  try {
    auto connection = std::make_unique<pqxx::connection>(connection_string_);
    if (prepare_) prepare_(*connection);
    return Lease(*this, std::move(connection));
  } catch (...) {
    release(nullptr);
    throw;
  }
}

void PostgresConnectionPool::adopt(std::unique_ptr<pqxx::connection> connection) {
  std::lock_guard lock(mutex_);
  if (!connection || !connection->is_open() || open_ >= size_) return;
  ++open_;
  idle_.push_back(std::move(connection));
  released_.notify_one();
}

void PostgresConnectionPool::release(std::unique_ptr<pqxx::connection> connection) {
  std::lock_guard lock(mutex_);
  if (connection && connection->is_open()) {
    idle_.push_back(std::move(connection));
  } else {
    --open_;
  }
  released_.notify_one();
}

}  // namespace cxgw::store
