#pragma once
// Offline JSON-LD 1.1 expansion of ODRL policies and Dataspace Protocol messages.
//
// expand() turns a JSON-LD document into its expanded form (JSON-LD 1.1 Processing Algorithms,
// section 5.1), text in and text out. Remote contexts are never fetched: a context URL resolves
// only to a context document bundled with cxgw (bundledContextUrls()) or added with addContext().
//
// Fails closed, stricter than the specification, because the result feeds a policy engine in
// which a silently dropped prohibition or constraint would turn a deny into an allow. Where a
// conforming processor would drop data or keep a relative IRI, expand() fails instead:
//   - a property whose key does not expand to an absolute IRI (no term, no @vocab), or whose key
//     is a compact IRI with an undefined prefix ("odrl:permission" without "odrl");
//   - an @type value that does not expand to an absolute IRI or blank node identifier;
//   - keys of keyword form that are no keyword, free-floating values and lists.
// A property whose value is null (or expands to null) is left out, as the specification says.
//
// Every error has code kInvalidArgument and, in Error::key, the dotted path of the offending
// member in the document ("permission[0].constraint[1].foo"; a key containing '.', '[' or ']' is
// written ["a.b"]); for context errors, the path of the @context member. Invalid JSON is reported
// with its byte offset.
//
// Not supported (each fails with an error naming the feature): @reverse, @graph/@id/@type
// containers, property-valued @index, processing mode json-ld-1.0, frame expansion.
//
// Output: compact JSON text of a JSON array; object members sorted by key (byte order), arrays in
// document order; numbers and booleans as in the input.
//
// Thread-safety: const member functions may be called concurrently on one expander. addContext()
// must not race with any other call on the same object. Copies are cheap (they share the
// immutable context documents) and independent of each other afterwards.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cxgw/core/result.hpp"

namespace cxgw::schemas {

namespace jsonld {
class ContextLibrary;
}

inline constexpr std::size_t kMaxJsonLdDocumentBytes = 8 * 1024 * 1024;
inline constexpr std::size_t kMaxJsonLdNesting = 64;  // arrays and objects, counted together

class JsonLdExpander {
 public:
  // With the bundled contexts.
  JsonLdExpander();

  // The URLs the bundled contexts are served for, sorted.
  static std::vector<std::string> bundledContextUrls();

  // Serves `context_document_json` (a JSON object with an "@context" entry) for `url` from now
  // on, replacing a bundled or earlier added document for the same URL. Fails, leaving the
  // expander unchanged, on invalid JSON, a missing @context entry, a URL that is not absolute,
  // or a context that cannot be processed (its own error; contexts it references or imports must
  // be known already).
  Status addContext(std::string url, std::string_view context_document_json);

  // The expanded form of `document`. Fails on invalid JSON, a document larger than
  // kMaxJsonLdDocumentBytes or nested deeper than kMaxJsonLdNesting, an unknown remote context,
  // an invalid context, or any of the fail-closed rules above.
  Result<std::string> expand(std::string_view document) const;

 private:
  std::shared_ptr<const jsonld::ContextLibrary> library_;
};

}  // namespace cxgw::schemas
