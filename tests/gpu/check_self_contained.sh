#!/usr/bin/env bash
# Proves that programs run on the lent GPU machine as it is (issue 19 item 5):
# for every ELF file given (or found under a given directory)
#   - every NEEDED library is glibc's core (libc, libm, libdl, libpthread,
#     librt, ld-linux), the CUDA driver (libcuda, present there), or a file
#     carried beside it (same directory or a lib/ next to bin/); and ldd finds
#     nothing missing;
#   - nothing imports GLIBC_PRIVATE;
#   - nothing needs fonts (FreeType, fontconfig) unless fonts are carried
#     (a fonts/ directory beside the programs);
#   - all the paths together are at most --max-mib MiB (default 64).
# Prints one line per program and a verdict; exit 0 when all hold, 1 if not.
#
# usage: check_self_contained.sh [--max-mib N] PATH...
set -uo pipefail
max_mib=64
while (($#)); do
  case "$1" in
    --max-mib) max_mib=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) break ;;
  esac
done
if (($# == 0)); then
  echo "check_self_contained: no paths given" >&2
  exit 2
fi
core='^(linux-vdso\.so\.1|libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1|ld-linux[-a-z0-9_]*\.so\.[0-9]+|libcuda\.so\.1)$'
problems=0
programs=0
is_elf() { [[ -f $1 ]] && [[ $(head -c 4 "$1" | od -An -c | tr -d ' ') == '177ELF' ]]; }
files=()
for p in "$@"; do
  if [[ -d $p ]]; then
    while IFS= read -r f; do is_elf "$f" && files+=("$f"); done < <(find "$p" -type f | sort)
  elif is_elf "$p"; then
    files+=("$p")
  else
    echo "check_self_contained: $p: not an ELF file or directory"
    problems=$((problems + 1))
  fi
done
for f in "${files[@]}"; do
  programs=$((programs + 1))
  dir=$(dirname "$f")
  bad=()
  while read -r lib; do
    [[ $lib =~ $core ]] && continue
    if [[ -e $dir/$lib || -e $dir/../lib/$lib ]]; then continue; fi
    bad+=("$lib")
  done < <(readelf -d "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  missing=$(ldd "$f" 2>&1 | grep -c 'not found')
  private=$( (readelf --dyn-syms -W "$f" 2>/dev/null; objdump -T "$f" 2>/dev/null) | grep -c 'GLIBC_PRIVATE')
  fonts=$(readelf -d "$f" 2>/dev/null | grep -cE 'NEEDED.*(freetype|fontconfig)')
  glibc=$(objdump -T "$f" 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sort -t. -k2,2n -k3,3n -u | tail -1)
  verdict=ok
  if ((${#bad[@]} || missing || private)) || { ((fonts)) && [[ ! -d $dir/../fonts && ! -d $dir/fonts ]]; }; then
    verdict=FAIL
    problems=$((problems + 1))
  fi
  echo "$verdict $f: needs outside the bundle: ${bad[*]:-nothing}; ldd not found: $missing; GLIBC_PRIVATE imports: $private; font libraries: $fonts; newest glibc symbol: ${glibc:-none}"
done
if ((programs == 0)); then
  echo "check_self_contained: no programs found"
  problems=$((problems + 1))
fi
bytes=$(du -cbL "$@" 2>/dev/null | tail -1 | cut -f1)
mib=$(( (bytes + 1048575) / 1048576 ))
if ((bytes > max_mib * 1048576)); then
  echo "FAIL size: $mib MiB > $max_mib MiB"
  problems=$((problems + 1))
else
  echo "ok size: $mib MiB <= $max_mib MiB"
fi
if ((problems)); then
  echo "check_self_contained: FAIL ($problems problem(s), $programs program(s))"
  exit 1
fi
echo "check_self_contained: ok ($programs program(s))"
