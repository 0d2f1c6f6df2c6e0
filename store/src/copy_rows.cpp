#include "copy_rows.hpp"

#include <pqxx/pqxx>
#include <pqxx/tablewriter>

namespace cxgw::store {
namespace {

// Rows are sent once this much is buffered: few calls into libpq, and little memory, since
// libpqxx copies the text again on its way out.
constexpr size_t kFlushBytes = size_t{256} << 10;

// `text` appended to `out` as one field of COPY's text format: backslash, tab, newline and
// carriage return escaped, every other byte (UTF-8 included) as it is.
void appendCopyField(std::string& out, std::string_view text) {
  size_t run = 0;  // start of the bytes not yet appended
  for (size_t i = 0; i < text.size(); ++i) {
    char escaped;
    switch (text[i]) {
      case '\\':
        escaped = '\\';
        break;
      case '\t':
        escaped = 't';
        break;
      case '\n':
        escaped = 'n';
        break;
      case '\r':
        escaped = 'r';
        break;
      default:
        continue;
    }
    out.append(text.data() + run, i - run);
    out.push_back('\\');
    out.push_back(escaped);
    run = i + 1;
  }
  out.append(text.data() + run, text.size() - run);
}

}  // namespace

// tablewriter is deprecated in libpqxx 6.4 in favour of stream_to, but it is the one public way
// to hand the server lines that are already escaped (write_raw_line). Its own escaping, which
// the deprecation is about, is not used.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
CopyRows::CopyRows(pqxx::transaction_base& tx, const std::string& table,
                   const std::vector<std::string>& columns)
    : writer_(std::make_unique<pqxx::tablewriter>(tx, table, columns.begin(), columns.end())) {
  buffer_.reserve(kFlushBytes + kFlushBytes / 4);
}
#pragma GCC diagnostic pop

CopyRows::~CopyRows() = default;

void CopyRows::row(std::initializer_list<std::string_view> fields) {
  bool first = true;
  for (const std::string_view field : fields) {
    if (!first) buffer_.push_back('\t');
    first = false;
    appendCopyField(buffer_, field);
  }
  buffer_.push_back('\n');
  if (buffer_.size() >= kFlushBytes) flush();
}

void CopyRows::complete() {
  flush();
  writer_->complete();
}

// write_raw_line() sends its text with one newline at the end, so a buffer of whole lines goes
// in one call.
void CopyRows::flush() {
  if (buffer_.empty()) return;
  writer_->write_raw_line(buffer_);
  buffer_.clear();
}

}  // namespace cxgw::store
