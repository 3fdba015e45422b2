// Modulus's rules, both flows (`Modulus`: app and secret; `ModulusJwt`: user name and
// password). `secret` missing has its own case.
use auth_vendors::{Modulus, ModulusJwt};

fn without_app() {
    let _ = Modulus::credentials().secret("s").build();
}

fn app_twice() {
    let _ = Modulus::credentials().app("a").app("b").secret("s").build();
}

fn secret_twice() {
    let _ = Modulus::credentials().app("a").secret("s").secret("t").build();
}

fn jwt_without_username() {
    let _ = ModulusJwt::credentials().password("p").build();
}

fn jwt_without_password() {
    let _ = ModulusJwt::credentials().username("u").build();
}

fn jwt_username_twice() {
    let _ = ModulusJwt::credentials().username("u").username("v").password("p").build();
}

fn jwt_password_twice() {
    let _ = ModulusJwt::credentials().username("u").password("p").password("q").build();
}

fn main() {
    without_app();
    app_twice();
    secret_twice();
    jwt_without_username();
    jwt_without_password();
    jwt_username_twice();
    jwt_password_twice();
}
