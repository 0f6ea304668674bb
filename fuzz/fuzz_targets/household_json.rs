#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| jiuzhu_fuzzing::household_json(data));
