//! Writes the widget's language packs: for each language but English,
//! `<dir>/tryon-locale-<language>.json` (for the loader) and `<dir>/locales/<language>.js` (the
//! same as an ES module, for the npm package's bundlers), from `src/i18n/*.rs`.
//! `scripts/build-embed.sh` runs it.

use tryon_widget::i18n::{pack, Locale};

fn main() -> std::io::Result<()> {
    let dir = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "target/embed".into()),
    );
    std::fs::create_dir_all(dir.join("locales"))?;
    for &locale in Locale::ALL.iter().filter(|&&l| l != Locale::En) {
        let json = serde_json::to_string(&pack(locale)).expect("strings serialise");
        let tag = locale.pack_name();
        std::fs::write(dir.join(format!("tryon-locale-{tag}.json")), &json)?;
        std::fs::write(
            dir.join(format!("locales/{tag}.js")),
            format!("export default {json};\n"),
        )?;
    }
    Ok(())
}
