//! The parameter files shipped in `policies/`, compiled in (add a region: add its file here).

macro_rules! files {
    ($($path:literal),* $(,)?) => { &[$(($path, include_str!(concat!("../../../", $path)))),*] };
}

pub const FILES: &[(&str, &str)] = files!(
    "policies/national.yaml",
    "policies/regions/110000.yaml",
    "policies/regions/120000.yaml",
    "policies/regions/310000.yaml",
    "policies/regions/320200.yaml",
    "policies/regions/330100.yaml",
    "policies/regions/430600.yaml",
    "policies/regions/430621.yaml",
    "policies/regions/500000.yaml",
    "policies/regions/510000.yaml",
    "policies/regions/510100.yaml",
    "policies/regions/510500.yaml",
    "policies/regions/520100.yaml",
    "policies/regions/530000.yaml",
    "policies/regions/530100.yaml",
    "policies/regions/620000.yaml",
    "policies/regions/620800.yaml",
);
