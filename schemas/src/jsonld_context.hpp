#pragma once
// JSON-LD 1.1 context processing (JSON-LD 1.1 Processing Algorithms and API, sections 4.1 to 4.3):
// active contexts, term definitions, IRI expansion, and the library of context documents that
// remote context URLs resolve to. Private to cxgw::schemas; jsonld_expander.cpp is the user.
//
// Lifetime: term definitions point at JSON values (scoped contexts) inside the documents they
// came from. Those are the library's documents and the input document of one expansion, all of
// which outlive the active contexts built from them, because an expansion holds both.

#include <rapidjson/document.h>

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cxgw/core/result.hpp"

namespace cxgw::schemas::jsonld {

using Json = rapidjson::Value;

// Bounds on the work one expansion may cause through contexts; beyond them it fails.
inline constexpr std::size_t kMaxRemoteContextLoads = 256;
inline constexpr std::size_t kMaxContextProcessings = 20000;
inline constexpr int kMaxTermDependencyDepth = 32;

bool isKeyword(std::string_view value);
bool hasKeywordForm(std::string_view value);  // "@" followed by ASCII letters only
bool isAbsoluteIri(std::string_view value);   // has a scheme: ALPHA *( ALPHA / DIGIT / + - . ) ":"
bool isBlankNodeId(std::string_view value);
// RFC 3986 section 5.2 reference resolution; `reference` unchanged when `base` is not absolute.
std::string resolveIri(std::string_view base, std::string_view reference);

// The dotted path of member `key` of the value at `path` ("a.b"; keys with '.', '[' or ']' are
// written ["a.b"]), and of element `index` ("a[3]").
std::string memberPath(const std::string& path, std::string_view key);
std::string elementPath(const std::string& path, std::size_t index);

std::string_view view(const Json& string_value);

struct TermDefinition {
  std::optional<std::string> iri;  // nullopt: the term is decoupled from any IRI ("@id": null)
  bool prefix = false;
  bool is_protected = false;
  std::optional<std::string> type_mapping;
  std::vector<std::string> container;  // sorted keywords
  bool has_language = false;           // a language mapping is present (it may be null)
  std::optional<std::string> language;
  bool has_direction = false;
  std::optional<std::string> direction;
  std::optional<std::string> nest;
  std::optional<std::string> index;
  const Json* local_context = nullptr;  // scoped context, if any
  std::optional<std::string> base_url;  // where the defining context came from

  bool hasContainer(std::string_view keyword) const;
  // Equal in every respect except `is_protected` (create term definition, step 27).
  bool sameAs(const TermDefinition& other) const;
};

struct ActiveContext {
  std::map<std::string, TermDefinition, std::less<>> terms;
  std::optional<std::string> base_iri;
  std::optional<std::string> vocab;
  std::optional<std::string> default_language;
  std::optional<std::string> default_direction;
  std::shared_ptr<const ActiveContext> previous;  // restored for nested nodes (non-propagated)

  const TermDefinition* find(std::string_view term) const;
  bool hasProtectedTerms() const;
};
using ContextPtr = std::shared_ptr<const ActiveContext>;

// IRI expansion (algorithm 4.3.2) against a finished context. nullopt stands for null: a value of
// keyword form that is no keyword, or a term decoupled from any IRI.
std::optional<std::string> expandIri(const ActiveContext& context, std::string_view value,
                                     bool document_relative, bool vocab);

// Context documents served for remote context URLs. Immutable once built; shared by copies of
// an expander.
class ContextLibrary {
 public:
  struct Entry {
    std::shared_ptr<const rapidjson::Document> document;  // an object with an "@context" member
    bool bundled = false;
  };

  ContextLibrary() = default;
  ContextLibrary(const ContextLibrary& other) : entries_(other.entries_) {}  // cache not copied
  ContextLibrary& operator=(const ContextLibrary&) = delete;

  // Parses and stores a context document for `url`, replacing any earlier one.
  Status add(std::string url, std::string_view document_json, bool bundled);
  const Entry* find(std::string_view url) const;
  std::vector<std::string> urls(bool bundled_only) const;

  // The context `url` yields when processed on an empty active context with default options,
  // computed once per library by `compute` (thread-safe); errors are not cached.
  Result<ContextPtr> processedOnEmpty(const std::string& url,
                                      const std::function<Result<ContextPtr>()>& compute) const;

 private:
  std::map<std::string, Entry, std::less<>> entries_;
  mutable std::mutex cache_mutex_;
  mutable std::map<std::string, ContextPtr, std::less<>> processed_on_empty_;
};

struct ProcessingOptions {
  bool override_protected = false;
  bool propagate = true;
  bool validate_scoped = true;
};

// Context processing for one expansion. Not thread-safe; one per expansion. Caches the result
// of applying a scoped context to an active context, so repeated types stay cheap.
class ContextProcessor {
 public:
  explicit ContextProcessor(const ContextLibrary& library) : library_(library) {}

  // Context processing (algorithm 4.1.2) of `local` on top of `active`. Errors carry `key`, the
  // path of the @context member being processed.
  Result<ContextPtr> process(const ContextPtr& active, const Json& local,
                             const std::optional<std::string>& base_url,
                             const std::vector<std::string>& remote_contexts,
                             const ProcessingOptions& options, const std::string& key);

  // A term's scoped context applied to `active` (expansion steps 8 and 11), memoized.
  Result<ContextPtr> applyScoped(const ContextPtr& active, const TermDefinition& definition,
                                 bool override_protected, bool propagate, const std::string& key);

 private:
  friend class TermDefiner;

  struct ScopedKey {
    const ActiveContext* active;
    const Json* local;
    bool override_protected;
    bool propagate;
    auto operator<=>(const ScopedKey&) const = default;
  };

  const ContextLibrary& library_;
  std::vector<std::string> loading_;  // remote contexts being processed, for cycle detection
  std::size_t remote_loads_ = 0;
  std::size_t processings_ = 0;
  std::map<ScopedKey, std::pair<ContextPtr, ContextPtr>> scoped_cache_;  // value: {active, result}
};

}  // namespace cxgw::schemas::jsonld
