#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| twofold_fuzz::user_csv(data));
