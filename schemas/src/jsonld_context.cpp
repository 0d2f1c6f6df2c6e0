#include "jsonld_context.hpp"

#include <rapidjson/error/en.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace cxgw::schemas::jsonld {
namespace {

constexpr std::array<std::string_view, 37> kKeywords = {
    "@base",       "@container",   "@context",  "@default",  "@direction", "@embed",
    "@explicit",   "@first",       "@graph",    "@id",       "@import",    "@included",
    "@index",      "@json",        "@language", "@list",     "@nest",      "@none",
    "@null",       "@omitDefault", "@prefix",   "@preserve", "@propagate", "@protected",
    "@requireAll", "@reverse",     "@set",      "@type",     "@value",     "@version",
    "@vocab",      "@annotation",  "@any",      "@last",     "@omitGraph", "@source",
    "@step"};

// Entries of a context definition that are not term definitions (context processing, 5.13).
constexpr std::array<std::string_view, 8> kContextDirectives = {
    "@base",      "@direction", "@import",  "@language",
    "@propagate", "@protected", "@version", "@vocab"};

constexpr std::array<std::string_view, 11> kTermDefinitionEntries = {
    "@id",       "@reverse", "@container", "@context",   "@direction", "@index",
    "@language", "@nest",    "@prefix",    "@protected", "@type"};

constexpr std::array<std::string_view, 4> kSupportedContainers = {"@index", "@language", "@list",
                                                                  "@set"};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool endsWithGenDelim(std::string_view iri) {
  return !iri.empty() && std::string_view(":/?#[]@").find(iri.back()) != std::string_view::npos;
}

std::string lowercase(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

Error invalid(std::string message, const std::string& key) {
  return Error{ErrorCode::kInvalidArgument, std::move(message), key, "", 0};
}

// A context definition as (key, value) entries; @import merges two objects without copying.
class ContextDefinition {
 public:
  void add(std::string_view key, const Json* value) {
    if (find(key) == nullptr) entries_.emplace_back(key, value);
  }
  const Json* find(std::string_view key) const {
    for (const auto& [entry_key, value] : entries_) {
      if (entry_key == key) return value;
    }
    return nullptr;
  }
  const std::vector<std::pair<std::string_view, const Json*>>& entries() const { return entries_; }

 private:
  std::vector<std::pair<std::string_view, const Json*>> entries_;
};

struct UriParts {
  std::optional<std::string_view> scheme;
  std::optional<std::string_view> authority;
  std::string_view path;
  std::optional<std::string_view> query;
  std::optional<std::string_view> fragment;
};

UriParts splitUri(std::string_view uri) {
  UriParts parts;
  if (auto hash = uri.find('#'); hash != std::string_view::npos) {
    parts.fragment = uri.substr(hash + 1);
    uri = uri.substr(0, hash);
  }
  if (auto question = uri.find('?'); question != std::string_view::npos) {
    parts.query = uri.substr(question + 1);
    uri = uri.substr(0, question);
  }
  if (isAbsoluteIri(uri)) {
    auto colon = uri.find(':');
    parts.scheme = uri.substr(0, colon);
    uri = uri.substr(colon + 1);
  }
  if (uri.substr(0, 2) == "//") {
    auto end = uri.find('/', 2);
    if (end == std::string_view::npos) end = uri.size();
    parts.authority = uri.substr(2, end - 2);
    uri = uri.substr(end);
  }
  parts.path = uri;
  return parts;
}

std::string removeDotSegments(std::string_view input) {
  std::string output;
  while (!input.empty()) {
    if (input.substr(0, 3) == "../") {
      input.remove_prefix(3);
    } else if (input.substr(0, 2) == "./") {
      input.remove_prefix(2);
    } else if (input.substr(0, 3) == "/./") {
      input.remove_prefix(2);
    } else if (input == "/.") {
      input = "/";
    } else if (input.substr(0, 4) == "/../" || input == "/..") {
      input = input.size() == 3 ? std::string_view("/") : input.substr(3);
      auto last = output.rfind('/');
      output.erase(last == std::string::npos ? 0 : last);
    } else if (input == "." || input == "..") {
      input = {};
    } else {
      auto next = input.find('/', input.front() == '/' ? 1 : 0);
      if (next == std::string_view::npos) next = input.size();
      output.append(input.substr(0, next));
      input.remove_prefix(next);
    }
  }
  return output;
}

}  // namespace

bool isKeyword(std::string_view value) {
  return contains(kKeywords, value);
}

bool hasKeywordForm(std::string_view value) {
  if (value.size() < 2 || value.front() != '@') return false;
  return std::all_of(value.begin() + 1, value.end(),
                     [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; });
}

bool isAbsoluteIri(std::string_view value) {
  auto colon = value.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  if (!std::isalpha(static_cast<unsigned char>(value.front()))) return false;
  return std::all_of(value.begin(), value.begin() + static_cast<std::ptrdiff_t>(colon), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '-' || c == '.';
  });
}

bool isBlankNodeId(std::string_view value) {
  return value.substr(0, 2) == "_:";
}

std::string resolveIri(std::string_view base, std::string_view reference) {
  if (!isAbsoluteIri(base)) return std::string(reference);
  const UriParts b = splitUri(base);
  const UriParts r = splitUri(reference);
  UriParts t;
  std::string path;
  if (r.scheme) {
    t = r;
    path = removeDotSegments(r.path);
  } else {
    t.scheme = b.scheme;
    if (r.authority) {
      t.authority = r.authority;
      path = removeDotSegments(r.path);
      t.query = r.query;
    } else {
      t.authority = b.authority;
      if (r.path.empty()) {
        path = b.path;
        t.query = r.query ? r.query : b.query;
      } else {
        if (r.path.front() == '/') {
          path = removeDotSegments(r.path);
        } else if (b.authority && b.path.empty()) {
          path = removeDotSegments("/" + std::string(r.path));
        } else {
          auto slash = b.path.rfind('/');
          std::string merged =
              slash == std::string_view::npos ? "" : std::string(b.path.substr(0, slash + 1));
          path = removeDotSegments(merged + std::string(r.path));
        }
        t.query = r.query;
      }
    }
  }
  t.fragment = r.fragment;
  std::string out;
  if (t.scheme) out.append(*t.scheme).append(":");
  if (t.authority) out.append("//").append(*t.authority);
  out.append(path);
  if (t.query) out.append("?").append(*t.query);
  if (t.fragment) out.append("#").append(*t.fragment);
  return out;
}

std::string memberPath(const std::string& path, std::string_view key) {
  std::string segment;
  if (key.find_first_of(".[]") != std::string_view::npos) {
    segment.append("[\"").append(key).append("\"]");
    return path + segment;
  }
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string elementPath(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

std::string_view view(const Json& string_value) {
  return {string_value.GetString(), string_value.GetStringLength()};
}

bool TermDefinition::hasContainer(std::string_view keyword) const {
  return std::find(container.begin(), container.end(), keyword) != container.end();
}

bool TermDefinition::sameAs(const TermDefinition& other) const {
  const bool same_context = local_context == other.local_context ||
                            (local_context != nullptr && other.local_context != nullptr &&
                             *local_context == *other.local_context);
  return iri == other.iri && prefix == other.prefix && type_mapping == other.type_mapping &&
         container == other.container && has_language == other.has_language &&
         language == other.language && has_direction == other.has_direction &&
         direction == other.direction && nest == other.nest && index == other.index && same_context;
}

const TermDefinition* ActiveContext::find(std::string_view term) const {
  auto it = terms.find(term);
  return it == terms.end() ? nullptr : &it->second;
}

bool ActiveContext::hasProtectedTerms() const {
  return std::any_of(terms.begin(), terms.end(),
                     [](const auto& entry) { return entry.second.is_protected; });
}

std::optional<std::string> expandIri(const ActiveContext& context, std::string_view value,
                                     bool document_relative, bool vocab) {
  if (isKeyword(value)) return std::string(value);
  if (hasKeywordForm(value)) return std::nullopt;
  const TermDefinition* definition = context.find(value);
  if (definition != nullptr && definition->iri && isKeyword(*definition->iri)) {
    return definition->iri;
  }
  if (vocab && definition != nullptr) return definition->iri;
  if (auto colon = value.find(':'); colon != std::string_view::npos && colon > 0) {
    std::string_view prefix = value.substr(0, colon);
    std::string_view suffix = value.substr(colon + 1);
    if (prefix == "_" || suffix.substr(0, 2) == "//") return std::string(value);
    const TermDefinition* prefix_definition = context.find(prefix);
    if (prefix_definition != nullptr && prefix_definition->iri && prefix_definition->prefix) {
      return *prefix_definition->iri + std::string(suffix);
    }
    if (isAbsoluteIri(value)) return std::string(value);
  }
  if (vocab && context.vocab) return *context.vocab + std::string(value);
  if (document_relative && context.base_iri) return resolveIri(*context.base_iri, value);
  return std::string(value);
}

Status ContextLibrary::add(std::string url, std::string_view document_json, bool bundled) {
  auto document = std::make_shared<rapidjson::Document>();
  document->Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(
      document_json.data(), document_json.size());
  if (document->HasParseError()) {
    return invalid("context document for '" + url +
                       "' is not JSON: " + rapidjson::GetParseError_En(document->GetParseError()) +
                       " at offset " + std::to_string(document->GetErrorOffset()),
                   "");
  }
  if (!document->IsObject() || !document->HasMember("@context")) {
    return invalid("context document for '" + url + "' is not an object with an @context entry",
                   "");
  }
  entries_[std::move(url)] = Entry{std::move(document), bundled};
  return {};
}

const ContextLibrary::Entry* ContextLibrary::find(std::string_view url) const {
  auto it = entries_.find(url);
  return it == entries_.end() ? nullptr : &it->second;
}

Result<ContextPtr> ContextLibrary::processedOnEmpty(
    const std::string& url, const std::function<Result<ContextPtr>()>& compute) const {
  {
    std::lock_guard lock(cache_mutex_);
    if (auto it = processed_on_empty_.find(url); it != processed_on_empty_.end()) {
      return it->second;
    }
  }
  auto computed = compute();
  if (computed) {
    std::lock_guard lock(cache_mutex_);
    processed_on_empty_.emplace(url, computed.value());
  }
  return computed;
}

std::vector<std::string> ContextLibrary::urls(bool bundled_only) const {
  std::vector<std::string> urls;
  for (const auto& [url, entry] : entries_) {
    if (entry.bundled || !bundled_only) urls.push_back(url);
  }
  return urls;
}

// Create term definition (algorithm 4.2.2) for every term of one context definition.
class TermDefiner {
 public:
  TermDefiner(ContextProcessor& processor, ActiveContext& result, const ContextDefinition& local,
              const std::optional<std::string>& base_url, bool protected_default,
              const ProcessingOptions& options, const std::vector<std::string>& remote_contexts,
              const std::string& key, std::string where)
      : processor_(processor),
        result_(result),
        local_(local),
        base_url_(base_url),
        protected_default_(protected_default),
        options_(options),
        remote_contexts_(remote_contexts),
        key_(key),
        where_(std::move(where)) {}

  Status define(std::string_view term, int depth) {
    if (depth > kMaxTermDependencyDepth) {
      return fail(term, "term definitions depend on each other more than " +
                            std::to_string(kMaxTermDependencyDepth) + " levels deep");
    }
    if (auto it = defined_.find(term); it != defined_.end()) {
      if (it->second) return {};
      return fail(term, "cyclic IRI mapping");
    }
    if (term.empty()) return fail(term, "invalid term definition: the empty term");
    defined_[std::string(term)] = false;
    const Json& value = *local_.find(term);

    if (term == "@type") {
      bool valid = value.IsObject() && value.MemberCount() > 0;
      if (valid) {
        for (auto m = value.MemberBegin(); valid && m != value.MemberEnd(); ++m) {
          std::string_view entry = view(m->name);
          valid = (entry == "@container" && m->value.IsString() && view(m->value) == "@set") ||
                  (entry == "@protected");
        }
      }
      if (!valid) return fail(term, "keyword redefinition: @type may only set @container @set");
    } else if (isKeyword(term)) {
      return fail(term, "keyword redefinition");
    } else if (hasKeywordForm(term)) {
      defined_[std::string(term)] = true;
      return {};
    }

    std::optional<TermDefinition> previous;
    if (auto it = result_.terms.find(term); it != result_.terms.end()) {
      previous = std::move(it->second);
      result_.terms.erase(it);
    }

    bool simple_term = false;
    const Json* id = nullptr;
    bool id_present = false;
    if (value.IsNull()) {
      id_present = true;
    } else if (value.IsString()) {
      id_present = true;
      id = &value;
      simple_term = true;
    } else if (!value.IsObject()) {
      return fail(term, "invalid term definition: not a string, object or null");
    } else {
      for (auto m = value.MemberBegin(); m != value.MemberEnd(); ++m) {
        if (!contains(kTermDefinitionEntries, view(m->name))) {
          return fail(term, "invalid term definition: unexpected entry '" +
                                std::string(view(m->name)) + "'");
        }
      }
      if (auto m = value.FindMember("@id"); m != value.MemberEnd()) {
        id_present = true;
        id = m->value.IsNull() ? nullptr : &m->value;
      }
    }

    TermDefinition definition;
    definition.base_url = base_url_;
    definition.is_protected = protected_default_;
    const bool is_object = value.IsObject();
    auto entry = [&](const char* name) -> const Json* {
      if (!is_object) return nullptr;
      auto m = value.FindMember(name);
      return m == value.MemberEnd() ? nullptr : &m->value;
    };

    if (const Json* flag = entry("@protected")) {
      if (!flag->IsBool()) return fail(term, "invalid @protected value");
      definition.is_protected = flag->GetBool();
    }
    if (const Json* type = entry("@type")) {
      if (!type->IsString()) return fail(term, "invalid type mapping: not a string");
      auto expanded = expand(view(*type), false, true, depth);
      if (!expanded) return expanded.error();
      const auto& iri = expanded.value();
      if (!iri || !(*iri == "@id" || *iri == "@json" || *iri == "@none" || *iri == "@vocab" ||
                    isAbsoluteIri(*iri))) {
        return fail(term, "invalid type mapping '" + std::string(view(*type)) +
                              "': not @id, @vocab, @json, @none or an absolute IRI");
      }
      definition.type_mapping = *iri;
    }
    if (entry("@reverse") != nullptr) {
      return fail(term, "@reverse term definitions are not supported");
    }

    if (id != nullptr && !id->IsString()) {
      return fail(term, "invalid IRI mapping: @id is not a string");
    }
    if (id_present && (id == nullptr || view(*id) != term)) {
      if (id != nullptr) {
        std::string_view id_text = view(*id);
        if (!isKeyword(id_text) && hasKeywordForm(id_text)) {
          return fail(term, "invalid IRI mapping: '" + std::string(id_text) + "' is no keyword");
        }
        auto expanded = expand(id_text, false, true, depth);
        if (!expanded) return expanded.error();
        const auto& iri = expanded.value();
        if (!iri || !(isKeyword(*iri) || isAbsoluteIri(*iri) || isBlankNodeId(*iri))) {
          return fail(term, "invalid IRI mapping: '" + std::string(id_text) +
                                "' does not expand to an absolute IRI, blank node or keyword");
        }
        if (*iri == "@context") return fail(term, "invalid keyword alias: @context");
        definition.iri = *iri;
        const auto colon = term.find(':', 1);
        if ((colon != std::string_view::npos && colon + 1 < term.size()) ||
            term.find('/') != std::string_view::npos) {
          defined_[std::string(term)] = true;
          auto self = expand(term, false, true, depth);
          if (!self) return self.error();
          if (self.value() != definition.iri) {
            return fail(term, "invalid IRI mapping: the term is an IRI that expands to '" +
                                  self.value().value_or("null") + "', not to its @id '" +
                                  *definition.iri + "'");
          }
        }
        if (term.find_first_of(":/") == std::string_view::npos && simple_term &&
            (endsWithGenDelim(*definition.iri) || isBlankNodeId(*definition.iri))) {
          definition.prefix = true;
        }
      }
    } else if (auto colon = term.find(':', 1); colon != std::string_view::npos) {
      std::string_view prefix = term.substr(0, colon);
      if (local_.find(prefix) != nullptr) {
        if (auto status = define(prefix, depth + 1); !status) return status;
      }
      if (const TermDefinition* prefix_definition = result_.find(prefix)) {
        if (!prefix_definition->iri) {
          return fail(term, "invalid IRI mapping: prefix '" + std::string(prefix) + "' is null");
        }
        definition.iri = *prefix_definition->iri + std::string(term.substr(colon + 1));
      } else {
        definition.iri = std::string(term);
      }
    } else if (term.find('/') != std::string_view::npos) {
      auto expanded = expand(term, false, true, depth);
      if (!expanded) return expanded.error();
      if (!expanded.value() || !isAbsoluteIri(*expanded.value())) {
        return fail(term, "invalid IRI mapping: relative IRI term without @vocab");
      }
      definition.iri = *expanded.value();
    } else if (term == "@type") {
      definition.iri = "@type";
    } else if (result_.vocab) {
      definition.iri = *result_.vocab + std::string(term);
    } else {
      return fail(term, "invalid IRI mapping: no @id and no @vocab to derive one from");
    }

    if (const Json* container = entry("@container")) {
      if (auto status = setContainer(term, *container, definition); !status) return status;
    }
    if (entry("@index") != nullptr) {
      return fail(term, "property-valued @index term definitions are not supported");
    }
    if (const Json* scoped = entry("@context")) {
      auto snapshot = std::make_shared<ActiveContext>(result_);
      ProcessingOptions validation{
          .override_protected = true, .propagate = true, .validate_scoped = false};
      auto checked =
          processor_.process(snapshot, *scoped, base_url_, remote_contexts_, validation, key_);
      if (!checked) {
        return fail(term, "invalid scoped context: " + checked.error().message);
      }
      definition.local_context = scoped;
    }
    if (const Json* language = entry("@language"); language != nullptr && !entry("@type")) {
      if (!language->IsString() && !language->IsNull()) {
        return fail(term, "invalid language mapping");
      }
      definition.has_language = true;
      if (language->IsString()) definition.language = lowercase(view(*language));
    }
    if (const Json* direction = entry("@direction"); direction != nullptr && !entry("@type")) {
      if (!direction->IsNull() &&
          !(direction->IsString() && (view(*direction) == "ltr" || view(*direction) == "rtl"))) {
        return fail(term, "invalid base direction");
      }
      definition.has_direction = true;
      if (direction->IsString()) definition.direction = std::string(view(*direction));
    }
    if (const Json* nest = entry("@nest")) {
      if (!nest->IsString() || (isKeyword(view(*nest)) && view(*nest) != "@nest")) {
        return fail(term, "invalid @nest value");
      }
      definition.nest = std::string(view(*nest));
    }
    if (const Json* prefix = entry("@prefix")) {
      if (term.find_first_of(":/") != std::string_view::npos) {
        return fail(term, "invalid term definition: @prefix on a compact IRI or IRI term");
      }
      if (!prefix->IsBool()) return fail(term, "invalid @prefix value");
      definition.prefix = prefix->GetBool();
      if (definition.prefix && definition.iri && isKeyword(*definition.iri)) {
        return fail(term, "invalid term definition: a keyword alias cannot be a prefix");
      }
    }

    if (!options_.override_protected && previous && previous->is_protected) {
      if (!definition.sameAs(*previous)) {
        return fail(term, "protected term redefinition");
      }
      definition = *previous;
    }
    result_.terms.insert_or_assign(std::string(term), std::move(definition));
    defined_[std::string(term)] = true;
    return {};
  }

 private:
  Result<std::optional<std::string>> expand(std::string_view value, bool document_relative,
                                            bool vocab, int depth) {
    if (isKeyword(value)) return std::optional<std::string>(std::string(value));
    if (hasKeywordForm(value)) return std::optional<std::string>();
    if (needsDefinition(value)) {
      if (auto status = define(value, depth + 1); !status) return status.error();
    }
    if (auto colon = value.find(':'); colon != std::string_view::npos && colon > 0) {
      std::string_view prefix = value.substr(0, colon);
      if (prefix != "_" && value.substr(colon + 1, 2) != "//" && needsDefinition(prefix)) {
        if (auto status = define(prefix, depth + 1); !status) return status.error();
      }
    }
    return expandIri(result_, value, document_relative, vocab);
  }

  bool needsDefinition(std::string_view term) const {
    if (local_.find(term) == nullptr) return false;
    auto it = defined_.find(term);
    return it == defined_.end() || !it->second;
  }

  Status setContainer(std::string_view term, const Json& container, TermDefinition& definition) {
    std::vector<std::string> keywords;
    auto add = [&](const Json& item) {
      if (!item.IsString()) return false;
      keywords.emplace_back(view(item));
      return true;
    };
    bool valid = container.IsArray() ? container.Size() > 0 : add(container);
    if (container.IsArray()) {
      for (const auto& item : container.GetArray()) valid = valid && add(item);
    }
    if (!valid) return fail(term, "invalid container mapping");
    std::sort(keywords.begin(), keywords.end());
    keywords.erase(std::unique(keywords.begin(), keywords.end()), keywords.end());
    for (const auto& keyword : keywords) {
      if (keyword == "@graph" || keyword == "@id" || keyword == "@type") {
        return fail(term, "@container " + keyword + " is not supported");
      }
      if (!contains(kSupportedContainers, keyword)) {
        return fail(term, "invalid container mapping '" + keyword + "'");
      }
    }
    const bool has_list = std::find(keywords.begin(), keywords.end(), "@list") != keywords.end();
    if ((has_list && keywords.size() > 1) || keywords.size() > 2 ||
        (keywords.size() == 2 &&
         std::find(keywords.begin(), keywords.end(), "@set") == keywords.end())) {
      return fail(term, "invalid container mapping: this combination is not allowed");
    }
    definition.container = std::move(keywords);
    return {};
  }

  Error fail(std::string_view term, const std::string& problem) const {
    return invalid("term '" + std::string(term) + "' in " + where_ + ": " + problem, key_);
  }

  ContextProcessor& processor_;
  ActiveContext& result_;
  const ContextDefinition& local_;
  const std::optional<std::string>& base_url_;
  const bool protected_default_;
  const ProcessingOptions& options_;
  const std::vector<std::string>& remote_contexts_;
  const std::string& key_;
  const std::string where_;
  std::map<std::string, bool, std::less<>> defined_;
};

namespace {

std::string knownUrls(const ContextLibrary& library) {
  std::string list;
  for (const auto& url : library.urls(false)) {
    if (!list.empty()) list += ", ";
    list += url;
  }
  return list;
}

}  // namespace

Result<ContextPtr> ContextProcessor::process(const ContextPtr& active, const Json& local,
                                             const std::optional<std::string>& base_url,
                                             const std::vector<std::string>& remote_contexts,
                                             const ProcessingOptions& options,
                                             const std::string& key) {
  if (++processings_ > kMaxContextProcessings) {
    return invalid("the document needs more than " + std::to_string(kMaxContextProcessings) +
                       " context processing steps",
                   key);
  }
  auto result = std::make_shared<ActiveContext>(*active);
  std::vector<std::string> remote = remote_contexts;

  bool propagate = options.propagate;
  if (local.IsObject()) {
    if (auto m = local.FindMember("@propagate"); m != local.MemberEnd()) {
      if (!m->value.IsBool()) return invalid("invalid @propagate value: not a boolean", key);
      propagate = m->value.GetBool();
    }
  }
  if (!propagate && !result->previous) result->previous = active;

  std::vector<const Json*> items;
  if (local.IsArray()) {
    for (const auto& item : local.GetArray()) items.push_back(&item);
  } else {
    items.push_back(&local);
  }

  const std::string where = base_url ? "context '" + *base_url + "'" : "the @context";
  for (const Json* item : items) {
    if (item->IsNull()) {
      if (!options.override_protected && result->hasProtectedTerms()) {
        return invalid("invalid context nullification: " + where +
                           " sets the context to null while protected terms are defined",
                       key);
      }
      auto fresh = std::make_shared<ActiveContext>();
      if (!propagate) fresh->previous = std::move(result);
      result = std::move(fresh);
      continue;
    }
    if (item->IsString()) {
      std::string url(view(*item));
      if (!isAbsoluteIri(url)) {
        if (!base_url) {
          return invalid("relative context reference '" + url + "' without a base URL", key);
        }
        url = resolveIri(*base_url, url);
      }
      if (!options.validate_scoped &&
          std::find(remote.begin(), remote.end(), url) != remote.end()) {
        continue;
      }
      if (std::find(loading_.begin(), loading_.end(), url) != loading_.end()) {
        return invalid("recursive context inclusion: '" + url + "' includes itself", key);
      }
      if (++remote_loads_ > kMaxRemoteContextLoads) {
        return invalid("context overflow: more than " + std::to_string(kMaxRemoteContextLoads) +
                           " remote context loads",
                       key);
      }
      const ContextLibrary::Entry* entry = library_.find(url);
      if (entry == nullptr) {
        return invalid("unknown remote context '" + url +
                           "': cxgw never fetches contexts; known are " + knownUrls(library_),
                       key);
      }
      remote.push_back(url);
      loading_.push_back(url);
      auto load = [&]() {
        return process(result, (*entry->document)["@context"], url, remote,
                       ProcessingOptions{options.override_protected, true, options.validate_scoped},
                       key);
      };
      // Most documents start with bundled contexts on an empty context: process those once.
      const bool on_empty = result->terms.empty() && !result->vocab && !result->base_iri &&
                            !result->default_language && !result->default_direction &&
                            !result->previous && remote.size() == 1 &&
                            !options.override_protected && options.validate_scoped;
      auto loaded = on_empty ? library_.processedOnEmpty(url, load) : load();
      loading_.pop_back();
      if (!loaded) return loaded.error();
      result = std::make_shared<ActiveContext>(*loaded.value());
      continue;
    }
    if (!item->IsObject()) {
      return invalid("invalid local context: " + where + " is not an object, string or null", key);
    }

    if (auto m = item->FindMember("@version"); m != item->MemberEnd()) {
      if (!m->value.IsNumber() || m->value.GetDouble() != 1.1) {
        return invalid("invalid @version value: only 1.1 is allowed", key);
      }
    }
    ContextDefinition definition;
    for (auto m = item->MemberBegin(); m != item->MemberEnd(); ++m) {
      definition.add(view(m->name), &m->value);
    }
    if (const Json* import = definition.find("@import")) {
      if (!import->IsString()) return invalid("invalid @import value: not a string", key);
      std::string url(view(*import));
      if (!isAbsoluteIri(url) && base_url) url = resolveIri(*base_url, url);
      if (++remote_loads_ > kMaxRemoteContextLoads) {
        return invalid("context overflow: more than " + std::to_string(kMaxRemoteContextLoads) +
                           " remote context loads",
                       key);
      }
      const ContextLibrary::Entry* entry = library_.find(url);
      if (entry == nullptr) {
        return invalid("unknown remote context '" + url +
                           "' (@import): cxgw never fetches contexts; known are " +
                           knownUrls(library_),
                       key);
      }
      const Json& imported = (*entry->document)["@context"];
      if (!imported.IsObject()) {
        return invalid(
            "invalid remote context: @import of '" + url + "' whose @context is not an object",
            key);
      }
      if (imported.HasMember("@import")) {
        return invalid("invalid context entry: '" + url + "' is imported and has @import itself",
                       key);
      }
      for (auto m = imported.MemberBegin(); m != imported.MemberEnd(); ++m) {
        definition.add(view(m->name), &m->value);
      }
    }
    if (const Json* base = definition.find("@base"); base != nullptr && remote.empty()) {
      if (base->IsNull()) {
        result->base_iri.reset();
      } else if (base->IsString() && isAbsoluteIri(view(*base))) {
        result->base_iri = std::string(view(*base));
      } else if (base->IsString() && result->base_iri) {
        result->base_iri = resolveIri(*result->base_iri, view(*base));
      } else {
        return invalid("invalid base IRI in " + where, key);
      }
    }
    if (const Json* vocab = definition.find("@vocab")) {
      if (vocab->IsNull()) {
        result->vocab.reset();
      } else {
        std::optional<std::string> iri;
        if (vocab->IsString()) iri = expandIri(*result, view(*vocab), true, true);
        if (!iri || !(isAbsoluteIri(*iri) || isBlankNodeId(*iri))) {
          return invalid("invalid vocab mapping in " + where +
                             ": not an absolute IRI or blank node identifier",
                         key);
        }
        result->vocab = std::move(iri);
      }
    }
    if (const Json* language = definition.find("@language")) {
      if (language->IsNull()) {
        result->default_language.reset();
      } else if (language->IsString()) {
        result->default_language = lowercase(view(*language));
      } else {
        return invalid("invalid default language in " + where, key);
      }
    }
    if (const Json* direction = definition.find("@direction")) {
      if (direction->IsNull()) {
        result->default_direction.reset();
      } else if (direction->IsString() &&
                 (view(*direction) == "ltr" || view(*direction) == "rtl")) {
        result->default_direction = std::string(view(*direction));
      } else {
        return invalid("invalid base direction in " + where, key);
      }
    }
    if (const Json* flag = definition.find("@propagate"); flag != nullptr && !flag->IsBool()) {
      return invalid("invalid @propagate value in " + where, key);
    }
    bool protected_default = false;
    if (const Json* flag = definition.find("@protected")) {
      if (!flag->IsBool()) return invalid("invalid @protected value in " + where, key);
      protected_default = flag->GetBool();
    }

    TermDefiner definer(*this, *result, definition, base_url, protected_default, options, remote,
                        key, where);
    for (const auto& [term, value] : definition.entries()) {
      if (contains(kContextDirectives, term)) continue;
      if (auto status = definer.define(term, 0); !status) return status.error();
    }
  }
  return ContextPtr(std::move(result));
}

Result<ContextPtr> ContextProcessor::applyScoped(const ContextPtr& active,
                                                 const TermDefinition& definition,
                                                 bool override_protected, bool propagate,
                                                 const std::string& key) {
  const ScopedKey cache_key{active.get(), definition.local_context, override_protected, propagate};
  if (auto it = scoped_cache_.find(cache_key); it != scoped_cache_.end()) {
    return it->second.second;
  }
  auto result = process(active, *definition.local_context, definition.base_url, {},
                        ProcessingOptions{override_protected, propagate, true}, key);
  if (!result) return result;
  scoped_cache_.emplace(cache_key, std::make_pair(active, result.value()));
  return result;
}

}  // namespace cxgw::schemas::jsonld
