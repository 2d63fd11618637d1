#!/usr/bin/env bash
# Builds what merchants ship, into target/embed/ (the script tag's files) and
# npm/dist/ (the same files for the npm package):
#   tryon.js              the loader (embed/tryon.js, minified)
#   tryon-widget.js       the widget's JS glue (wasm-bindgen, ES module)
#   tryon-widget_bg.wasm  the widget (size-optimised, then wasm-opt -Oz)
#   tryon-widget_nosimd_bg.wasm  the same without WebAssembly SIMD, for browsers
#                         without it (picked by feature detection)
#   tryon-locale-<language>.json  each language but English (the loader fetches the
#                         page's; npm/dist/locales/<language>.js for bundlers)
# Names carry no hash: the loader asks for the glue and the wasm with ?v=<content
# hash>, so a merchant can serve all three from one versioned path.
set -euo pipefail
source "$(dirname "$0")/env.sh"

out=target/embed
mkdir -p "$out" npm/dist

# cdylib alone: built together with the rlib (for the tests), LTO leaves ~80 KB more.
cargo rustc --lib --crate-type cdylib --target wasm32-unknown-unknown --profile wasm-release -p tryon-widget
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name tryon-widget \
  target/wasm32-unknown-unknown/wasm-release/tryon_widget.wasm
# wasm-opt takes the features from the module's target_features section (what
# rustc emitted, simd128 included), so it introduces none a browser may lack.
# --converge runs the passes again until they change nothing: 0.1–0.8 KB of brotli.
wasm-opt -Oz --converge -o "$out/tryon-widget_bg.wasm" "$out/tryon-widget_bg.wasm"

# The same widget without WebAssembly SIMD, for browsers that lack it (iOS before
# 16.4; the loader and the npm package pick by feature detection). Its own target
# directory, so the two builds do not evict each other's artefacts. RUSTFLAGS
# replaces .cargo/config.toml's target rustflags (an env CARGO_TARGET_…_RUSTFLAGS
# would be appended to them).
CARGO_TARGET_DIR=target/nosimd RUSTFLAGS="-C target-feature=-simd128" \
  cargo rustc --lib --crate-type cdylib --target wasm32-unknown-unknown --profile wasm-release -p tryon-widget
nosimd=target/embed-nosimd
wasm-bindgen --target web --no-typescript --out-dir "$nosimd" --out-name tryon-widget \
  target/nosimd/wasm32-unknown-unknown/wasm-release/tryon_widget.wasm
# One glue serves both: the builds differ only inside the functions (and in the
# numbers wasm-bindgen writes into comments), so the code must be the same.
code() { grep -v '^[[:space:]]*//' "$1"; }
if ! cmp -s <(code "$nosimd/tryon-widget.js") <(code "$out/tryon-widget.js"); then
  echo "build-embed: the glue of the SIMD and no-SIMD builds differ; they cannot share tryon-widget.js" >&2
  exit 1
fi
# Its target_features section has no simd128, so wasm-opt refuses any SIMD instruction.
wasm-opt -Oz --converge -o "$out/tryon-widget_nosimd_bg.wasm" "$nosimd/tryon-widget_bg.wasm"
# The glue as shoppers download it: minified (its names, comments and layout are
# wasm-bindgen's, for reading; minified it is 2.4 KB smaller in brotli).
esbuild "$out/tryon-widget.js" --minify --format=esm --legal-comments=none \
  --log-level=warning --allow-overwrite --outfile="$out/tryon-widget.js"
if wasm-opt --print-features "$out/tryon-widget_nosimd_bg.wasm" -o /dev/null | grep -q simd; then
  echo "build-embed: the no-SIMD build uses SIMD" >&2
  exit 1
fi

version=$(awk -F'"' '/^version = /{print $2; exit}' Cargo.toml)
# The language packs (every language but English), from src/i18n/: before the hash,
# so that a translation fixed alone gets a new ?v= too.
cargo run --quiet -p tryon-widget --example languages -- "$out"
build=$(cat "$out/tryon-widget_bg.wasm" "$out/tryon-widget_nosimd_bg.wasm" "$out/tryon-widget.js" \
  "$out"/tryon-locale-*.json | sha256sum | cut -c1-12)
# The loader's button rules, verbatim from the widget's stylesheet.
button_css=$(sed -n '/loader:start/,/loader:end/p' src/ui/widget.css \
  | esbuild --loader=css --minify --log-level=warning)
node - "$version" "$build" "$button_css" <<'EOF'
const fs = require('fs');
const [version, build, css] = process.argv.slice(2);
// A string in every language: its line `    Key: "…",` in each src/i18n/<language>.rs.
function translations(key) {
  const out = {};
  for (const file of fs.readdirSync('src/i18n').filter((f) => f.endsWith('.rs')).sort()) {
    const line = new RegExp(`^    ${key}: ("(?:[^"\\\\]|\\\\.)*"),$`, 'm').exec(fs.readFileSync(`src/i18n/${file}`, 'utf8'));
    if (!line) throw new Error(`src/i18n/${file} has no ${key} on one line`);
    // `pt_pt.rs` → `pt-PT`, as the loader names the language.
    out[file.slice(0, -3).replace(/_(\w+)$/, (_, region) => '-' + region.toUpperCase())] = JSON.parse(line[1]);
  }
  return out;
}
let src = fs.readFileSync('embed/tryon.js', 'utf8');
for (const [k, v] of [
  ['__VERSION__', version],
  ['__BUILD__', build],
  ['__BUTTON_CSS__', css.trim()],
  ['__LABELS__', translations('OpenButton')],
  ['__LOAD_FAILED__', translations('LoadFailed')],
]) {
  if (!src.includes(`'${k}'`)) throw new Error(`embed/tryon.js lost its ${k} placeholder`);
  src = src.replace(`'${k}'`, JSON.stringify(v));
}
fs.writeFileSync('target/embed/tryon.src.js', src);
EOF
esbuild target/embed/tryon.src.js --minify --target=es2017 --legal-comments=none \
  --log-level=warning --outfile="$out/tryon.js"
rm "$out/tryon.src.js"

cp "$out/tryon-widget.js" "$out/tryon-widget_bg.wasm" "$out/tryon-widget_nosimd_bg.wasm" npm/dist/
rm -rf npm/dist/locales && cp -r "$out/locales" npm/dist/
echo "build-embed: $out/ and npm/dist/ ready (version $version, build $build)"
