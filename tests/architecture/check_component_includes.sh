#!/usr/bin/env bash
# Usage: check_component_includes.sh ROOT
#
# Checks the #include lines of every source and header in ROOT/<component>/{include,src} against
# the dependency rules of ARCHITECTURE.md: which cxgw components a component may use, which
# libraries it must not touch, and which heavy headers no public header may include.
# Prints "file:line: rule" per violation (file relative to ROOT), then "checked N files,
# M violations". Exit status: 0 clean, 1 violations, 2 bad usage or no component folder in ROOT.
set -euo pipefail

if [[ $# -ne 1 || ! -d $1 ]]; then
  echo "usage: $0 ROOT  (ROOT: the source tree holding core/, schemas/, ...)" >&2
  exit 2
fi
root=${1%/}

components=(core schemas store adapters policies gateway)

declare -A allowed_components=(
  [core]=""
  [schemas]="core"
  [store]="core"
  [adapters]="core schemas store"
  [policies]="core"
  [gateway]="core schemas store policies"
)
declare -A banned_libraries=(
  [core]="pqxx"
  [schemas]="boost/beast boost/asio pqxx openssl"
  [store]="boost/beast boost/asio"
  [adapters]="boost/beast boost/asio"
  [policies]="boost/beast boost/asio pqxx openssl"
  [gateway]="pqxx"
)
# Heavy headers stay behind the firewall: only .cpp files may include them.
public_header_banned_libraries="boost/beast boost/asio pqxx rapidjson yaml-cpp"

files_checked=0
violations=0

report() {
  echo "$1:$2: $3"
  violations=$((violations + 1))
}

# "boost/asio" covers <boost/asio.hpp> and <boost/asio/...>; "pqxx" covers <pqxx/pqxx>.
belongs_to_library() {
  local include=$1 library=$2
  [[ $include == "$library" || $include == "$library"/* || $include == "$library".* ]]
}

is_allowed_component() {
  local used=$1 component=$2 allowed
  [[ $used == "$component" ]] && return 0
  for allowed in ${allowed_components[$component]}; do
    [[ $used == "$allowed" ]] && return 0
  done
  return 1
}

allowed_component_list() {
  local list
  local -a names
  read -ra names <<<"$1 ${allowed_components[$1]}"
  list=$(printf '%s\n' "${names[@]}" | sort -u | paste -sd, -)
  echo "cxgw/{$list}"
}

# Prints "LINE<TAB>PATH" for each `#include <PATH>` or `#include "PATH"` in a file.
list_includes() {
  awk '
    match($0, /^[ \t]*#[ \t]*include[ \t]*[<"][^>"]+[>"]/) {
      path = substr($0, RSTART, RLENGTH)
      sub(/^[^<"]*[<"]/, "", path)
      sub(/[>"]$/, "", path)
      print FNR "\t" path
    }' "$1"
}

check_file() {
  local component=$1 file=$2 is_public_header=$3
  local relative=${file#"$root"/} line include used library
  while IFS=$'\t' read -r line include; do
    if [[ $include == cxgw/*/* ]]; then
      used=${include#cxgw/}
      used=${used%%/*}
      if ! is_allowed_component "$used" "$component"; then
        report "$relative" "$line" \
          "$component may include only $(allowed_component_list "$component") headers, not <$include>"
      fi
    fi
    for library in ${banned_libraries[$component]}; do
      if belongs_to_library "$include" "$library"; then
        report "$relative" "$line" "$component may not include $library headers: <$include>"
      fi
    done
    if [[ $is_public_header == yes ]]; then
      for library in $public_header_banned_libraries; do
        if belongs_to_library "$include" "$library"; then
          report "$relative" "$line" \
            "public headers may not include $library headers (keep them in .cpp files): <$include>"
        fi
      done
    fi
  done < <(list_includes "$file")
}

component_folders_found=0
for component in "${components[@]}"; do
  for part in include src; do
    folder=$root/$component/$part
    [[ -d $folder ]] || continue
    component_folders_found=$((component_folders_found + 1))
    is_public_header=no
    [[ $part == include ]] && is_public_header=yes
    while IFS= read -r -d '' file; do
      files_checked=$((files_checked + 1))
      check_file "$component" "$file" "$is_public_header"
    done < <(find "$folder" -type f \( -name '*.hpp' -o -name '*.h' -o -name '*.hh' \
      -o -name '*.ipp' -o -name '*.cpp' -o -name '*.cc' -o -name '*.cxx' \) -print0 | sort -z)
  done
done

if [[ $component_folders_found -eq 0 ]]; then
  echo "$0: no component include/ or src/ folder under $root" >&2
  exit 2
fi

echo "checked $files_checked files, $violations violations"
[[ $violations -eq 0 ]]
