//! All three implementations must write the same bytes for the same values, or the bench compares unlike
//! work.

#[test]
fn idlc_apache_and_pilota_encode_identically() {
    if let Err(problems) = idlc_bench_peers::check_same_bytes() {
        panic!("{problems}");
    }
}
