#pragma once
// Reading a Server-Sent Events stream (the text/event-stream format of the HTML standard) as
// its bytes arrive: blocks end with a blank line; within one, "id:", "event:" and "data:" fields
// (several data lines join with '\n'), and lines starting with ':' are comments. Lines may end
// with LF, CRLF or CR.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cxgw::gateway {

struct ServerSentEvent {
  std::string id;     // empty when the block had none
  std::string event;  // empty means "message"
  std::string data;
  bool comment_only = false;  // a block of comments alone, such as a keep-alive
};

class ServerSentEventReader {
 public:
  // The blocks that `bytes` completes, in order.
  std::vector<ServerSentEvent> feed(std::string_view bytes);

 private:
  void line(std::string_view text);

  std::string partial_;  // an unfinished line
  bool after_cr_ = false;
  ServerSentEvent current_;
  bool has_data_ = false;
  bool has_field_ = false;
  bool has_comment_ = false;
  std::vector<ServerSentEvent> done_;
};

}  // namespace cxgw::gateway
