//! Embeds the front-end assets: our own files from `assets/static/` and the npm libraries from
//! `assets/node_modules/` (installed here with `npm ci` when missing, from the lockfile).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// (URL path under /assets/, file relative to assets/)
const LIBRARIES: &[(&str, &str)] = &[
    ("leaflet/leaflet.js", "node_modules/leaflet/dist/leaflet.js"),
    (
        "leaflet/leaflet.css",
        "node_modules/leaflet/dist/leaflet.css",
    ),
    (
        "leaflet/images/marker-icon.png",
        "node_modules/leaflet/dist/images/marker-icon.png",
    ),
    (
        "leaflet/images/marker-icon-2x.png",
        "node_modules/leaflet/dist/images/marker-icon-2x.png",
    ),
    (
        "leaflet/images/marker-shadow.png",
        "node_modules/leaflet/dist/images/marker-shadow.png",
    ),
    (
        "leaflet/images/layers.png",
        "node_modules/leaflet/dist/images/layers.png",
    ),
    (
        "leaflet/images/layers-2x.png",
        "node_modules/leaflet/dist/images/layers-2x.png",
    ),
    ("leaflet/LICENSE", "node_modules/leaflet/LICENSE"),
    ("icons/LICENSE", "node_modules/lucide-static/LICENSE"),
];

/// The icons a category may take: (our name, the drawing's file in the Lucide set).
const ICONS: &[(&str, &str)] = &[
    ("idea", "lightbulb"),
    ("problem", "triangle-alert"),
    ("danger", "octagon-alert"),
    ("heritage", "landmark"),
    ("nature", "trees"),
    ("cycling", "bike"),
    ("transport", "bus"),
    ("roadworks", "construction"),
    ("water", "droplets"),
    ("waste", "trash-2"),
    ("building", "building"),
    ("culture", "drama"),
    ("sport", "dumbbell"),
    ("people", "users"),
    ("other", "circle-help"),
];

fn main() {
    let assets = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("assets");
    println!("cargo:rerun-if-changed=assets/package-lock.json");
    println!("cargo:rerun-if-changed=assets/static");
    let mut libraries: Vec<(String, String)> = LIBRARIES
        .iter()
        .map(|(url, file)| (url.to_string(), file.to_string()))
        .collect();
    libraries.extend(ICONS.iter().map(|(name, file)| {
        (
            format!("icons/{name}.svg"),
            format!("node_modules/lucide-static/icons/{file}.svg"),
        )
    }));
    if libraries
        .iter()
        .any(|(_, file)| !assets.join(file).exists())
    {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
            .current_dir(&assets)
            .status()
            .unwrap_or_else(|e| panic!("front-end libraries are missing and npm could not run ({e}); install Node.js and npm"));
        assert!(status.success(), "npm ci failed in {}", assets.display());
    }
    let mut files: Vec<(String, PathBuf)> = libraries
        .iter()
        .map(|(url, file)| (url.clone(), assets.join(file)))
        .collect();
    collect(&assets.join("static"), "", &mut files);
    files.sort();
    let mut code = String::from(
        "/// Embedded assets: (path under /assets/, bytes).\npub static FILES: &[(&str, &[u8])] = &[\n",
    );
    let mut hash: u64 = 0xcbf29ce484222325;
    for (url, path) in &files {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for b in bytes.iter().chain(url.as_bytes()) {
            hash = (hash ^ u64::from(*b)).wrapping_mul(0x100000001b3);
        }
        writeln!(
            code,
            "    ({url:?}, include_bytes!({:?})),",
            path.display().to_string()
        )
        .unwrap();
    }
    code.push_str("];\n");
    code.push_str("/// The icons a category may take, by name (`icons/{name}.svg`).\npub static ICONS: &[&str] = &[");
    for (name, _) in ICONS {
        write!(code, "{name:?}, ").unwrap();
    }
    code.push_str("];\n");
    writeln!(code, "/// A fingerprint of all assets, for cache busting.\npub const VERSION: &str = \"{:08x}\";", hash as u32).unwrap();
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("assets.rs");
    std::fs::write(out, code).unwrap();
}

fn collect(dir: &Path, prefix: &str, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        let url = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        if path.is_dir() {
            collect(&path, &url, out);
        } else {
            out.push((url, path));
        }
    }
}
