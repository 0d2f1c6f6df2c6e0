#include "cxgw/gateway/http/server_sent_events.hpp"

namespace cxgw::gateway {

std::vector<ServerSentEvent> ServerSentEventReader::feed(std::string_view bytes) {
  for (const char c : bytes) {
    if (after_cr_ && c == '\n') {  // the LF of a CRLF
      after_cr_ = false;
      continue;
    }
    after_cr_ = c == '\r';
    if (c == '\r' || c == '\n') {
      line(partial_);
      partial_.clear();
    } else {
      partial_ += c;
    }
  }
  std::vector<ServerSentEvent> out;
  out.swap(done_);
  return out;
}

void ServerSentEventReader::line(std::string_view text) {
  if (text.empty()) {  // the end of a block
    if (has_field_ || has_comment_) {
      current_.comment_only = !has_field_;
      done_.push_back(std::move(current_));
    }
    current_ = {};
    has_data_ = has_field_ = has_comment_ = false;
    return;
  }
  if (text.front() == ':') {
    has_comment_ = true;
    return;
  }
  const size_t colon = text.find(':');
  const std::string_view name = text.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? "" : text.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  has_field_ = true;
  if (name == "data") {
    if (has_data_) current_.data += '\n';
    current_.data += value;
    has_data_ = true;
  } else if (name == "id") {
    current_.id = value;
  } else if (name == "event") {
    current_.event = value;
  }
}

}  // namespace cxgw::gateway
