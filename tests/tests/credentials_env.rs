//! Credentials from environment variables with a prefix: every credential form of the
//! shipped vendors logs in against auth-sim, and broken rules read as the builder's
//! compile errors.
//!
//! One test in its own binary: it sets every variable (each case under its own
//! prefix) before any other thread exists, since changing the environment while
//! another thread reads it is undefined behaviour on some platforms.

use auth_runtime::{DynamicCredentials, Provider, Session};
use auth_sim::{Sim, crmcom, currencycloud as cc, modulus, onebox};
use auth_vendors::crmcom::CrmComCredentials;
use auth_vendors::currencycloud::CurrencycloudCredentials;
use auth_vendors::modulus::{ModulusCredentials, ModulusJwtCredentials};
use auth_vendors::onebox::OneBoxCredentials;
use auth_vendors::{CrmCom, Currencycloud, Modulus, ModulusJwt, OneBox};

/// Each case's prefix and variables (names after the prefix).
const CASES: &[(&str, &[(&str, &str)])] = &[
    (
        "AUTHGEN_T1_CRM_PASSWORD_",
        &[
            ("ORGANISATION", crmcom::ORGANISATION),
            ("USERNAME", crmcom::USERNAME),
            ("PASSWORD", crmcom::PASSWORD),
        ],
    ),
    (
        "AUTHGEN_T1_CRM_CODE_",
        &[
            ("ORGANISATION", crmcom::ORGANISATION),
            ("AUTHENTICATION_CODE", crmcom::AUTHENTICATION_CODE),
            ("UNIT", crmcom::UNIT),
        ],
    ),
    (
        "AUTHGEN_T1_CRM_IDENTIFIER_",
        &[
            ("ORGANISATION", crmcom::ORGANISATION),
            ("IDENTIFIER", crmcom::IDENTIFIER),
            ("PASS_CODE", crmcom::PASS_CODE),
        ],
    ),
    (
        "AUTHGEN_T1_CC_",
        &[("LOGIN_ID", cc::LOGIN_ID), ("API_KEY", cc::API_KEY)],
    ),
    (
        "AUTHGEN_T1_MODULUS_",
        &[("APP", modulus::APP), ("SECRET", modulus::SECRET)],
    ),
    (
        "AUTHGEN_T1_MODULUS_JWT_",
        &[
            ("USERNAME", modulus::USERNAME),
            ("PASSWORD", modulus::PASSWORD),
        ],
    ),
    (
        "AUTHGEN_T1_ONEBOX_",
        &[
            ("EMAIL", onebox::EMAIL),
            ("PASSWORD", onebox::PASSWORD),
            ("SITE_ID", onebox::SITE_ID),
        ],
    ),
    // Broken: `identifier` without `pass_code`; a wire name (`SITEID`) is not read.
    (
        "AUTHGEN_T1_CRM_BROKEN_",
        &[("ORGANISATION", "O"), ("IDENTIFIER", "i")],
    ),
    (
        "AUTHGEN_T1_ONEBOX_BROKEN_",
        &[
            ("EMAIL", "e"),
            ("PASSWORD", "hunter2-env-secret"),
            ("SITEID", "1"),
        ],
    ),
    // Broken: a malformed key; an empty variable is a value (`LOGIN_ID` is not missing).
    (
        "AUTHGEN_T1_CC_BROKEN_",
        &[("LOGIN_ID", ""), ("API_KEY", "hunter2-env-secret")],
    ),
];

async fn logs_in<P: Provider>(provider: P, credentials: P::Credentials)
where
    P::Error: std::fmt::Debug,
{
    let session = Session::new(provider, credentials).expect("session");
    session.token().await.expect("login");
}

#[test]
fn credentials_from_the_environment() {
    for (prefix, vars) in CASES {
        for (name, value) in *vars {
            // SAFETY: no other thread of this process exists yet (this binary's one
            // test, before its runtime starts), so nothing reads the environment
            // while it changes.
            #[allow(unsafe_code)]
            unsafe {
                std::env::set_var(format!("{prefix}{name}"), value);
            }
        }
    }
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(from_the_environment());
}

async fn from_the_environment() {
    let sim = Sim::start().await;
    let crm = || CrmCom::new(format!("{}{}", sim.base_url(), crmcom::PREFIX));
    for prefix in [
        "AUTHGEN_T1_CRM_PASSWORD_",
        "AUTHGEN_T1_CRM_CODE_",
        "AUTHGEN_T1_CRM_IDENTIFIER_",
    ] {
        let credentials = CrmComCredentials::from_env(prefix).expect(prefix);
        logs_in(crm(), credentials).await;
    }
    assert_eq!(sim.crmcom().logins(), 3);
    let credentials = CurrencycloudCredentials::from_env("AUTHGEN_T1_CC_").expect("cc");
    logs_in(
        Currencycloud::new(format!("{}{}", sim.base_url(), cc::PREFIX)),
        credentials,
    )
    .await;
    let base = format!("{}{}", sim.base_url(), modulus::prefix(modulus::ACCOUNT));
    let credentials = ModulusCredentials::from_env("AUTHGEN_T1_MODULUS_").expect("modulus");
    logs_in(
        Modulus::new(modulus::ACCOUNT).with_base_url(&base),
        credentials,
    )
    .await;
    // Through the trait, as generic code would.
    let credentials =
        <ModulusJwtCredentials as DynamicCredentials>::from_env("AUTHGEN_T1_MODULUS_JWT_")
            .expect("modulus jwt");
    logs_in(
        ModulusJwt::new(modulus::ACCOUNT).with_base_url(&base),
        credentials,
    )
    .await;
    let credentials = OneBoxCredentials::from_env("AUTHGEN_T1_ONEBOX_").expect("onebox");
    logs_in(
        OneBox::new(format!("{}{}", sim.base_url(), onebox::PREFIX)),
        credentials,
    )
    .await;

    let error = CrmComCredentials::from_env("AUTHGEN_T1_CRM_BROKEN_").expect_err("broken");
    assert_eq!(
        error.to_string(),
        "CRM.COM credentials: `pass_code` is mandatory when `identifier` is set"
    );
    let error = OneBoxCredentials::from_env("AUTHGEN_T1_ONEBOX_BROKEN_").expect_err("broken");
    assert_eq!(
        error.to_string(),
        "OneBox credentials: `site_id` is mandatory"
    );
    let error = CurrencycloudCredentials::from_env("AUTHGEN_T1_CC_BROKEN_").expect_err("broken");
    assert_eq!(
        error.to_string(),
        "Currencycloud credentials: `api_key` must be exactly 64 characters, not 18"
    );
    assert!(!format!("{error:?}").contains("hunter2"));
    // Nothing set under a prefix: every mandatory field is missing.
    let error = OneBoxCredentials::from_env("AUTHGEN_T1_NOTHING_").expect_err("empty");
    assert_eq!(
        error.to_string(),
        "OneBox credentials: `email` is mandatory; `password` is mandatory; `site_id` is mandatory"
    );
    // The variable names, as documented.
    let table = <CrmComCredentials as DynamicCredentials>::TABLE;
    let names: Vec<String> = table
        .fields()
        .iter()
        .map(|f| table.env_var("CRMCOM_", f))
        .collect();
    assert_eq!(
        names,
        [
            "CRMCOM_ORGANISATION",
            "CRMCOM_USERNAME",
            "CRMCOM_PASSWORD",
            "CRMCOM_AUTHENTICATION_CODE",
            "CRMCOM_IDENTIFIER",
            "CRMCOM_PASS_CODE",
            "CRMCOM_UNIT"
        ]
    );
}
