#pragma once
// What every PostgreSQL class of the store shares: the schema migrations (kMigrations, in
// postgres_migrations.cpp) and how libpqxx exceptions become Errors.

#include <exception>
#include <pqxx/connection>
#include <string>

#include "cxgw/core/result.hpp"

namespace cxgw::store {

// Brings the database to schema version `migrate_to` (0: the newest), in one transaction under
// an advisory lock, so that processes opening the store together migrate once. A database
// already at the wanted version is only read. Fails with kInvalidArgument when the database is
// newer than this build, and as postgresError() when a statement fails.
Status applyStoreMigrations(pqxx::connection& connection, int migrate_to);

// kUnavailable for a broken connection, else kInternal; the message starts with `what`.
Error postgresError(const std::string& what, const std::exception& e);

}  // namespace cxgw::store
