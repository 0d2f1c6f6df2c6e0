#include "cxgw/gateway/http/http_message.hpp"

#include <strings.h>

#include "cxgw/core/json_text.hpp"

namespace cxgw::gateway {

std::optional<std::string_view> HttpRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() && strncasecmp(key.data(), name.data(), name.size()) == 0) {
      return value;
    }
  }
  return std::nullopt;
}

std::optional<std::string_view> HttpRequest::queryParam(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return value;
  }
  return std::nullopt;
}

HttpResponse HttpResponse::json(unsigned status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

HttpResponse HttpResponse::text(unsigned status, std::string body, std::string content_type) {
  HttpResponse response;
  response.status = status;
  response.content_type = std::move(content_type);
  response.body = std::move(body);
  return response;
}

HttpResponse HttpResponse::error(unsigned status, std::string_view code, std::string_view message,
                                 std::string_view request_id) {
  std::string body = "{\"error\":{\"code\":";
  json::appendString(body, code);
  body += ",\"message\":";
  json::appendString(body, message);
  if (!request_id.empty()) {
    body += ",\"request_id\":";
    json::appendString(body, request_id);
  }
  body += "}}";
  return json(status, std::move(body));
}

}  // namespace cxgw::gateway
