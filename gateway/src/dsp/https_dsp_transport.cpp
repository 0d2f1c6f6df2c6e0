#include "cxgw/gateway/dsp/https_dsp_transport.hpp"

namespace cxgw::gateway::dsp {

Result<unsigned> HttpsDspTransport::post(const std::string& url, const std::string& body) {
  OutboundRequest request;
  request.method = "POST";
  request.url = url;
  request.body = body;
  auto response = client_.send(request);
  if (!response) return response.error();
  return response.value().status;
}

}  // namespace cxgw::gateway::dsp
