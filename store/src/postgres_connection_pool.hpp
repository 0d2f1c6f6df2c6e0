#pragma once
// Connections to one PostgreSQL database, shared by the threads of a store: at most `size` are
// open, each serves one lease at a time, and acquire() waits for a free one. A connection is
// opened on first need and prepared once (session settings, temp tables). A connection that
// broke while leased is dropped when the lease ends and a new one is opened on a later
// acquire(), so a restarted server costs the calls that were running, not the store.
//
// Thread-safety: acquire() and adopt() from any thread. A Lease belongs to one thread.

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace cxgw::store {

class PostgresConnectionPool {
 public:
  // Runs on every new connection before its first lease; may throw, like connecting.
  using Prepare = std::function<void(pqxx::connection&)>;

  PostgresConnectionPool(std::string connection_string, size_t size, Prepare prepare = {});
  PostgresConnectionPool(const PostgresConnectionPool&) = delete;
  PostgresConnectionPool& operator=(const PostgresConnectionPool&) = delete;

  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();
    pqxx::connection& operator*() const { return *connection_; }
    pqxx::connection* operator->() const { return connection_.get(); }

   private:
    friend class PostgresConnectionPool;
    Lease(PostgresConnectionPool& pool, std::unique_ptr<pqxx::connection> connection);
    PostgresConnectionPool* pool_;
    std::unique_ptr<pqxx::connection> connection_;
  };

  // A free connection, a new one while fewer than `size` are open, or the next one released.
  // Throws what connecting or preparing throws.
  Lease acquire();

  // Takes an open, prepared connection into the pool (e.g. the one that ran the migrations),
  // when there is room; otherwise it is closed.
  void adopt(std::unique_ptr<pqxx::connection> connection);

 private:
  void release(std::unique_ptr<pqxx::connection> connection);

  const std::string connection_string_;
  const size_t size_;
  const Prepare prepare_;
  std::mutex mutex_;  // guards idle_ and open_
  std::condition_variable released_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  size_t open_ = 0;  // idle or leased
};

}  // namespace cxgw::store
