#pragma once
// COPY ... FROM STDIN for the PostgreSQL store: rows escaped straight into one buffer in COPY's
// text format and handed to the server 256 KiB at a time.
//
// Why not pqxx::stream_to: libpqxx 6.4 escapes every field one character at a time into a new
// string, joins the fields into another and sends each row on its own. For a sync that writes a
// million twins and a million aspects, that was a seventh of cxgw's CPU (docs/performance.md).

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pqxx {
class transaction_base;
class tablewriter;
}  // namespace pqxx

namespace cxgw::store {

class CopyRows {
 public:
  // Starts `COPY table (columns) FROM STDIN` in `tx`.
  CopyRows(pqxx::transaction_base& tx, const std::string& table,
           const std::vector<std::string>& columns);
  // Abandons the COPY if complete() did not run; the transaction then fails as libpqxx decides.
  ~CopyRows();
  CopyRows(const CopyRows&) = delete;
  CopyRows& operator=(const CopyRows&) = delete;

  // One row of text fields, as many as there are columns.
  void row(std::initializer_list<std::string_view> fields);
  // Sends what is buffered and ends the COPY. Throws what the server reports, e.g.
  // pqxx::unique_violation.
  void complete();

 private:
  void flush();

  std::unique_ptr<pqxx::tablewriter> writer_;
  std::string buffer_;
};

}  // namespace cxgw::store
