#pragma once
// The production DspTransport: POSTs a DSP message over mutual TLS with the gateway's client
// certificate (HttpsClient). Thread-safe, as HttpsClient is.

#include "cxgw/gateway/dsp/dsp_callback_dispatcher.hpp"
#include "cxgw/gateway/http/https_client.hpp"

namespace cxgw::gateway::dsp {

class HttpsDspTransport final : public DspTransport {
 public:
  explicit HttpsDspTransport(const HttpsClient& client) : client_(client) {}
  Result<unsigned> post(const std::string& url, const std::string& body) override;

 private:
  const HttpsClient& client_;
};

}  // namespace cxgw::gateway::dsp
