// Currencycloud's rules that the compiler checks (formats are checked by `build()`).
use auth_vendors::Currencycloud;

const KEY: &str = "1f6a3e944f8c4ebdc6658d6fc1103f12ebbc33f5ed05ca3549fdbc3883556544";

fn login_id_twice() {
    let _ = Currencycloud::credentials().login_id("a").login_id("b").api_key(KEY).build();
}

fn api_key_twice() {
    let _ = Currencycloud::credentials().login_id("a").api_key(KEY).api_key(KEY).build();
}

fn without_login_id() {
    let _ = Currencycloud::credentials().api_key(KEY).build();
}

fn main() {
    login_id_twice();
    api_key_twice();
    without_login_id();
}
