//! The web target's harness really signs in: its seeds reach the handlers behind the session
//! and CSRF checks (a harness whose every request stopped at the sign-in page or at a refused
//! token would fuzz nothing but those two checks).

use axum::http::StatusCode;
use twofold_fuzz::web::{web_answer, web_harness_starts};

fn answer(seed: &str) -> (StatusCode, String) {
    let path = format!("{}/corpus/web_form/{seed}", env!("CARGO_MANIFEST_DIR"));
    let data = std::fs::read(&path).unwrap();
    let (_, status, page) = web_answer(&data).unwrap();
    (status, page)
}

#[test]
fn web_seeds_reach_the_pages_behind_the_sign_in() {
    assert!(
        web_harness_starts(),
        "the web target's server did not start"
    );
    for (seed, expected) in [
        ("users-list", StatusCode::OK),
        ("user-page", StatusCode::OK),
        ("user-state", StatusCode::SEE_OTHER),
        ("audit", StatusCode::OK),
        ("usage", StatusCode::OK),
        ("portal-home", StatusCode::OK),
        ("portal-app-password", StatusCode::OK),
    ] {
        let (status, page) = answer(seed);
        assert_eq!(status, expected, "{seed}: {page}");
        assert!(!page.contains("Sign in to the console"), "{seed}: {page}");
    }
    let (_, page) = answer("portal-app-password");
    assert!(page.contains("mail client"), "{page}");
}
