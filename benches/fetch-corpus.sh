#!/usr/bin/env bash
# Fetches the thumbnail benchmark's corpus: real photographs shipped in Debian
# wallpaper packages, copied flat into benches/corpus/ (JPEGs) and
# benches/corpus/png/ (PNG photos). Idempotent: once a run has completed, later
# runs only print the summary. Needs apt-get (Debian lists; run apt-get update
# once if `apt-get download` cannot find a package) and /usr/bin/python3.
#
# Packages looked at and left out: lomiri-wallpapers (one PNG render),
# gnome-backgrounds (WebP renders), sway-backgrounds (PNG logos),
# mypaint-data-extras (paper textures). Inside the packages used, renders,
# illustrations and logos are left out by the patterns below, so the corpus is
# photographs only.
set -euo pipefail
shopt -s extglob nullglob

here=$(cd "$(dirname "$0")" && pwd)
corpus=$here/corpus
stamp=$corpus/.complete
python=/usr/bin/python3

# package | name prefix | directory in the package | pattern of photographs in it
select=(
  "lomiri-wallpapers-16.04|lomiri16|usr/share/backgrounds|*.jpg"
  "lomiri-wallpapers-20.04|lomiri20|usr/share/backgrounds|Kleiber_by_Lukas_Baubkus.jpg"
  "mate-backgrounds|mate|usr/share/backgrounds/mate/nature|*.jpg"
  "plasma-workspace-wallpapers|plasma|usr/share/wallpapers|@(BytheWater|ColdRipple|ColorfulCups|DarkestHour|EveningGlow|FallenLeaf|Grey|Kite|OneStandsOut|Path|Volna|summer_1am)/contents/images/*.jpg"
  "ukui-wallpapers|ukui|usr/share/backgrounds|the-mouse.jpg"
  "lxqt-themes|lxqt|usr/share/lxqt/wallpapers|@(Butterfly-Kenneth-Wimer|after-the-rain|fog|this-is-not-windows).jpg"
  "lxqt-themes|lxqt|usr/share/lxqt/wallpapers|@(Valendas|appleflower|beam|butterfly|cloud|drop|flowers).png"
)

summary() {
  echo "corpus: $corpus"
  (cd "$corpus" && tr '\n' '\0' <"$stamp" | xargs -0 "$python" "$here/imginfo.py") |
    awk '{ n[$1]++; mp = $2 * $3 / 1e6; if (!($1 in lo) || mp < lo[$1]) lo[$1] = mp; if (mp > hi[$1]) hi[$1] = mp }
         END { for (k in n) printf "  %-12s %3d files, %5.2f to %5.2f MP\n", k, n[k], lo[k], hi[k] }' | sort
}

complete() { # every file the last full run listed is still there
  [[ -f $stamp ]] || return 1
  while read -r f; do [[ -f $corpus/$f ]] || return 1; done <"$stamp"
}

if complete; then
  echo "corpus already fetched ($(wc -l <"$stamp") files)"
  summary
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work" && mkdir -m 777 "$work/debs" # apt's _apt user downloads into it
mapfile -t packages < <(printf '%s\n' "${select[@]}" | cut -d'|' -f1 | sort -u)
echo "downloading: ${packages[*]}"
if ! (cd "$work/debs" && apt-get download -q "${packages[@]}"); then
  echo "apt-get download failed; updating package lists and retrying" >&2
  apt-get update -q && (cd "$work/debs" && apt-get download -q "${packages[@]}")
fi
for p in "${packages[@]}"; do
  mkdir -p "$work/x/$p"
  dpkg-deb -x "$work/debs/${p}"_*.deb "$work/x/$p"
done

mkdir -p "$corpus/png"
: >"$work/list"
for entry in "${select[@]}"; do
  IFS='|' read -r pkg tag dir pattern <<<"$entry"
  root=$work/x/$pkg/$dir
  found=0
  # shellcheck disable=SC2086 # the pattern is meant to be expanded here
  for rel in $(cd "$root" && printf '%s\n' $pattern); do
    [[ -L $root/$rel ]] && continue # plasma links extra resolutions to one file
    read -r kind w h _ < <("$python" "$here/imginfo.py" "$root/$rel")
    mp=$(( w * h ))
    if (( mp < 100000 || mp > 30000000 )); then
      echo "  skipped $pkg/$rel: ${w}x${h} is outside 0.1-30 MP"
      continue
    fi
    name=$tag-${rel//\/contents\/images/}
    name=${name//\//-}
    case $kind in
      baseline | progressive) dest=$name ;;
      png | webp) dest=png/$name ;;
      *) echo "  skipped $pkg/$rel: $kind"; continue ;;
    esac
    [[ -f $corpus/$dest ]] || cp "$root/$rel" "$corpus/$dest"
    echo "$dest" >>"$work/list"
    found=$((found + 1))
  done
  echo "  $pkg $pattern: $found files"
  if ((found == 0)); then
    echo "error: nothing matched in $pkg: has the package changed?" >&2
    exit 1
  fi
done
sort "$work/list" >"$stamp"
summary
