#pragma once
// The position an incremental ERP sync has reached, e.g. {"2026-11-23 07:00:00.123+00", "4711"}
// for `updated_at` with `id` as tie-breaker. The store keeps it as opaque text, committed in the
// same transaction as the batch it ends.
//
// Pure functions; safe to call from any thread.

#include <string>
#include <string_view>
#include <vector>

#include "cxgw/core/result.hpp"

namespace cxgw::store {

struct SyncWatermark {
  std::vector<std::string> values;  // one per watermark column, in column order; UTF-8

  friend bool operator==(const SyncWatermark&, const SyncWatermark&) = default;
};

// A compact JSON array of strings, e.g. ["2026-11-23 07:00:00.123+00","4711"]; an empty
// watermark is []. decodeWatermark(encodeWatermark(w)) == w for every watermark whose values are
// valid UTF-8; bytes that are not valid UTF-8 are written as U+FFFD.
std::string encodeWatermark(const SyncWatermark& watermark);

// Parses the form encodeWatermark produces: a JSON array of JSON strings with no whitespace
// between tokens (any JSON string escape is accepted). Fails with kInvalidArgument and key
// "watermark" on anything else, including invalid UTF-8, raw control characters, lone
// surrogates and trailing text; the message names the byte offset.
Result<SyncWatermark> decodeWatermark(std::string_view text);

}  // namespace cxgw::store
