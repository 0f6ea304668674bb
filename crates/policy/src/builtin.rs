//! The parameter files shipped in `policies/`, compiled in (add a region: add its file here).

pub const FILES: &[(&str, &str)] = &[
    ("policies/national.yaml", include_str!("../../../policies/national.yaml")),
    ("policies/regions/110000.yaml", include_str!("../../../policies/regions/110000.yaml")),
    ("policies/regions/310000.yaml", include_str!("../../../policies/regions/310000.yaml")),
    ("policies/regions/620825.yaml", include_str!("../../../policies/regions/620825.yaml")),
];
