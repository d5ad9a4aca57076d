#!/usr/bin/env bash
# Fetches the metadata benchmark's development set: the test images that
# exiftool and Pillow ship in their Debian source packages
# (camera JPEGs and raw files from dozens of makers, XMP/IPTC/ICC samples,
# damaged files). ImageMagick's source package was looked at too: none of
# its images carries a camera make. Copied into benches/corpus-meta/<source>/. Idempotent.
#
# The tarballs are Debian's .orig archives, checked against the SHA-256
# below; deb.debian.org first, snapshot.debian.org if the pool moved on.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=$here/corpus-meta
stamp=$out/.complete
[[ -f $stamp ]] && { echo "corpus-meta: $(find "$out" -type f ! -name .complete | wc -l) files in $out"; exit 0; }

# name | pool path | sha256 | folder inside the archive
sources=(
  "exiftool|libi/libimage-exiftool-perl/libimage-exiftool-perl_12.57+dfsg.orig.tar.xz|9de7ccd6ed6adf92038c8d943b1960d087b58c00b3924d19f61a1d774b7610fc|Image-ExifTool-12.57/t/images"
  "pillow|p/pillow/pillow_9.4.0.orig.tar.xz|0a58ccfbd002838b32e21773bfdaa954a2de08d1f04b87b63d14e751fec3264d|pillow-9.4.0/Tests/images"
)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
for s in "${sources[@]}"; do
  IFS='|' read -r name path sum folder <<<"$s"
  file=$tmp/${path##*/}
  for base in http://deb.debian.org/debian/pool/main \
              http://snapshot.debian.org/archive/debian/20250520T000000Z/pool/main; do
    curl -sSfL --retry 3 -o "$file" "$base/$path" && break || true
  done
  echo "$sum  $file" | sha256sum -c --quiet
  tar -xJf "$file" -C "$tmp" "$folder"
  rm -rf "${out:?}/$name"
  mkdir -p "$out/$name"
  # Flat copy: the benchmark reads one folder per source.
  find "$tmp/$folder" -maxdepth 1 -type f -exec cp -t "$out/$name" {} +
  rm -f "$file"
done
touch "$stamp"
echo "corpus-meta: $(find "$out" -type f ! -name .complete | wc -l) files in $out"
