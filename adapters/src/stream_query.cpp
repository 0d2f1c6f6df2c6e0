#include "cxgw/adapters/stream_query.hpp"

namespace cxgw::adapters {
namespace {

bool nameCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '$';
}

// The position of the next :changed_since at or after `from` that is a placeholder of its own.
size_t findPlaceholder(std::string_view query, size_t from) {
  for (size_t at = query.find(kChangedSince, from); at != std::string_view::npos;
       at = query.find(kChangedSince, at + 1)) {
    const size_t end = at + kChangedSince.size();
    const bool cast = at > 0 && query[at - 1] == ':';
    const bool longer = end < query.size() && nameCharacter(query[end]);
    if (!cast && !longer) return at;
  }
  return std::string_view::npos;
}

std::string quoteIdentifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

bool usesChangedSince(std::string_view query) {
  return findPlaceholder(query, 0) != std::string_view::npos;
}

std::string bindChangedSince(std::string_view query, std::string_view literal) {
  std::string out;
  size_t copied = 0;
  for (size_t at = findPlaceholder(query, 0); at != std::string_view::npos;
       at = findPlaceholder(query, copied)) {
    out.append(query.substr(copied, at - copied));
    out.append(literal);
    copied = at + kChangedSince.size();
  }
  out.append(query.substr(copied));
  return out;
}

std::string streamReadSql(const StreamRead& read) {
  const bool incremental = !read.watermark.empty() && read.after.has_value() &&
                           read.after->size() == read.watermark.size();
  std::string sql = "SELECT * FROM (" +
                    bindChangedSince(read.query, incremental ? read.after->front() : "NULL") +
                    ") cxgw_s";
  std::vector<std::string> order;
  for (const auto& column : read.watermark) order.push_back(quoteIdentifier(column));
  if (incremental) sql += " WHERE (" + joined(order) + ") > (" + joined(*read.after) + ")";
  for (const auto& column : read.key) order.push_back(quoteIdentifier(column));
  return sql + " ORDER BY " + joined(order);
}

}  // namespace cxgw::adapters
