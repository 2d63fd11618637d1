//! Write the person detector as an NNEF archive (for the WebAssembly measurement,
//! `scripts/bench-vision-wasm.sh`): `export-nnef OUT.tar`.

use tract_onnx::prelude::*;

fn main() -> TractResult<()> {
    let out = std::env::args().nth(1).expect("usage: export-nnef OUT.tar");
    let model = tract_onnx::onnx()
        .model_for_path(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/models/pose_detection.onnx"
        ))?
        .into_typed()?
        .into_decluttered()?;
    tract_nnef::nnef()
        .with_onnx()
        .write_to_tar(&model, std::fs::File::create(&out)?)?;
    println!("{out}");
    Ok(())
}
