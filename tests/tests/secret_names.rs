//! A credential field named like a secret is one without being told: its value never
//! shows in `Debug`, however the credentials were made; `#[auth(public)]` keeps such a
//! field plain.

use auth_runtime::auth_provider;

const PASSWORD: &str = "hunter2-named-not-marked";
const API_KEY: &str = "0123456789abcdef-unmarked";

/// No field is marked: `password` and `apiKey` are secrets by their names alone.
#[auth_provider(
    vendor = "Named",
    base = "{host}",
    login(path = "/login"),
    token = "token",
    apply(bearer)
)]
pub struct Named {
    username: String,
    password: String,
    #[auth(rename = "apiKey")]
    key: Option<String>,
}

/// `password` is named like a secret, but this vendor's is a public code.
#[auth_provider(
    vendor = "Shown",
    base = "{host}",
    login(path = "/login"),
    token = "token",
    apply(bearer)
)]
pub struct Shown {
    username: String,
    #[auth(public)]
    password: String,
}

#[test]
fn a_password_without_a_marker_is_redacted_in_debug() -> Result<(), Box<dyn std::error::Error>> {
    let built = Named::credentials()
        .username("ada")
        .password(PASSWORD)
        .key(API_KEY)
        .build();
    let drafted = NamedCredentials::draft()
        .set("username", "ada")?
        .set("password", PASSWORD)?
        .set("apiKey", API_KEY)?
        .try_build()?;
    for credentials in [&built, &drafted] {
        let text = format!("{credentials:?}");
        for secret in [PASSWORD, API_KEY] {
            assert!(!text.contains(secret), "{secret:?} appears in: {text}");
        }
        // Redacted, not left out; the user name is no secret.
        assert!(
            text.contains(r#"password: "[REDACTED]""#) && text.contains("ada"),
            "{text}"
        );
    }
    let half_built = format!("{:?}", Named::credentials().password(PASSWORD).key(API_KEY));
    assert!(
        !half_built.contains(PASSWORD) && !half_built.contains(API_KEY),
        "{half_built}"
    );
    Ok(())
}

#[test]
fn a_password_marked_public_is_shown_in_debug() {
    let credentials = Shown::credentials()
        .username("ada")
        .password(PASSWORD)
        .build();
    let text = format!("{credentials:?}");
    assert!(text.contains(PASSWORD), "{text}");
    assert!(!text.contains("[REDACTED]"), "{text}");
}
