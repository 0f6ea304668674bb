#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| jiuzhu_fuzzing::region_code(data));
