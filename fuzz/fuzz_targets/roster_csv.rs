#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| jiuzhu_fuzzing::roster_csv(data));
